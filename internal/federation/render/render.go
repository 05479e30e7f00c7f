// Package render turns an Application's resources and overrides into the manifests applied in one
// member cluster. It is pure: no I/O, no clock. The reconciler calls Render once per chosen
// cluster and Validate once per spec change.
//
// Rendering, in order:
//  1. decode spec.resources, find the one workload (apps/v1 Deployment or StatefulSet);
//  2. default metadata.namespace to the Application's namespace (another namespace is an error);
//  3. set the workload's spec.replicas to the count the scheduler chose for the cluster;
//  4. apply the overrides that select the cluster, in spec order (later entries win);
//  5. stamp Flotilla's labels and the revision annotation on every object;
//  6. sort: ServiceAccount, ConfigMap, Secret, PersistentVolumeClaim, Service, then the workload.
//
// Errors name the field of the Application that is wrong, e.g.
// "spec.overrides[2].jsonPatch[0]: path /spec/foo does not exist in Deployment web".
package render

import (
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Cluster is what rendering needs to know of a member cluster: its name and labels, which
// overrides select on.
type Cluster struct {
	Name   string
	Labels map[string]string
}

// Input is everything one rendering depends on.
type Input struct {
	// Application and Namespace name the Application; Namespace is also the default namespace of
	// every namespaced resource.
	Application string
	Namespace   string
	// Revision is the ApplicationRevision name stamped in the flotilla.dev/revision annotation.
	Revision string
	// Resources and Overrides come from the Application's spec or from a revision.
	Resources []flotillav1alpha1.Manifest
	Overrides []flotillav1alpha1.ClusterOverride
	// Cluster is the member the manifests are for.
	Cluster Cluster
	// Replicas is the workload's replica count the scheduler chose for Cluster.
	Replicas int32
}

// Error is a problem with one field of the Application. Field is a path such as
// "spec.overrides[2].jsonPatch[0]"; Detail says what is wrong and, where possible, how to fix it.
type Error struct {
	Field  string
	Detail string
}

func (e *Error) Error() string { return e.Field + ": " + e.Detail }

func errorf(field, format string, args ...any) *Error {
	return &Error{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// Render returns the manifests to apply in in.Cluster, dependencies first and the workload last.
// The returned error, when not nil, is an *Error.
func Render(in Input) ([]*unstructured.Unstructured, error) {
	objs, workload, ferr := decodeResources(in.Resources, in.Namespace)
	if ferr != nil {
		return nil, ferr
	}
	if err := unstructured.SetNestedField(objs[workload].Object, int64(in.Replicas), "spec", "replicas"); err != nil {
		return nil, errorf(fmt.Sprintf("spec.resources[%d]", workload), "cannot set spec.replicas: %v", err)
	}
	for i := range in.Overrides {
		if !Selects(&in.Overrides[i], in.Cluster) {
			continue
		}
		if ferr := applyOverride(objs, workload, &in.Overrides[i], fmt.Sprintf("spec.overrides[%d]", i)); ferr != nil {
			return nil, ferr
		}
	}
	for _, o := range objs {
		stamp(o, in)
	}
	return sortByDependency(objs), nil
}

// Workload returns the index of the workload in resources and its decoded object.
func Workload(resources []flotillav1alpha1.Manifest, namespace string) (int, *unstructured.Unstructured, error) {
	objs, w, err := decodeResources(resources, namespace)
	if err != nil {
		return -1, nil, err
	}
	return w, objs[w], nil
}

// IsWorkload reports whether apiVersion/kind is a workload Flotilla places.
func IsWorkload(apiVersion, kind string) bool {
	return apiVersion == "apps/v1" && (kind == "Deployment" || kind == "StatefulSet")
}

func decodeResources(resources []flotillav1alpha1.Manifest, namespace string) ([]*unstructured.Unstructured, int, *Error) {
	objs := make([]*unstructured.Unstructured, 0, len(resources))
	workload := -1
	seen := map[string]int{}
	for i, m := range resources {
		field := fmt.Sprintf("spec.resources[%d]", i)
		o, ferr := decodeOne(m, field, namespace)
		if ferr != nil {
			return nil, -1, ferr
		}
		key := o.GetKind() + "/" + o.GetName()
		if j, dup := seen[key]; dup {
			return nil, -1, errorf(field, "%s %s is also spec.resources[%d]; each object may appear once", o.GetKind(), o.GetName(), j)
		}
		seen[key] = i
		if IsWorkload(o.GetAPIVersion(), o.GetKind()) {
			if workload >= 0 {
				return nil, -1, errorf(field, "a second workload (%s %s); spec.resources holds exactly one Deployment or StatefulSet", o.GetKind(), o.GetName())
			}
			workload = i
		}
		objs = append(objs, o)
	}
	if workload < 0 {
		return nil, -1, errorf("spec.resources", "no workload: add one apps/v1 Deployment or StatefulSet")
	}
	return objs, workload, nil
}

func decodeOne(m flotillav1alpha1.Manifest, field, namespace string) (*unstructured.Unstructured, *Error) {
	raw := m.Raw
	if len(raw) == 0 && m.Object != nil {
		b, err := json.Marshal(m.Object)
		if err != nil {
			return nil, errorf(field, "cannot encode: %v", err)
		}
		raw = b
	}
	obj := map[string]any{}
	if err := utiljson.Unmarshal(raw, &obj); err != nil {
		return nil, errorf(field, "not a JSON object: %v", err)
	}
	o := &unstructured.Unstructured{Object: obj}
	if o.GetAPIVersion() == "" || o.GetKind() == "" {
		return nil, errorf(field, "apiVersion and kind are required")
	}
	if o.GetName() == "" {
		return nil, errorf(field+".metadata.name", "required: every resource needs a name")
	}
	switch ns := o.GetNamespace(); {
	case ns == "":
		o.SetNamespace(namespace)
	case ns != namespace:
		return nil, errorf(field+".metadata.namespace", "%q differs from the Application's namespace %q: leave it empty", ns, namespace)
	}
	clean(o)
	return o, nil
}

// clean drops what a server sets, so that a manifest copied from a live object applies cleanly.
func clean(o *unstructured.Unstructured) {
	for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences"} {
		unstructured.RemoveNestedField(o.Object, "metadata", f)
	}
	delete(o.Object, "status")
}

// Selects reports whether an override applies to cluster: every set criterion (names, selector)
// must match; an override with neither selects every cluster. An invalid selector selects nothing.
func Selects(o *flotillav1alpha1.ClusterOverride, c Cluster) bool {
	if len(o.ClusterNames) > 0 && !contains(o.ClusterNames, c.Name) {
		return false
	}
	if o.ClusterSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(o.ClusterSelector)
		if err != nil || !sel.Matches(labels.Set(c.Labels)) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stamp sets the labels and annotation that tie a member object to its Application.
func stamp(o *unstructured.Unstructured, in Input) {
	l := o.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	for k, v := range ManagedLabels(in.Application, in.Namespace) {
		l[k] = v
	}
	o.SetLabels(l)
	a := o.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[flotillav1alpha1.AnnotationRevision] = in.Revision
	o.SetAnnotations(a)
}

// ManagedLabels are the labels on every object Flotilla puts in a member for an Application;
// they select those objects for status and clean-up.
func ManagedLabels(app, namespace string) map[string]string {
	return map[string]string{
		flotillav1alpha1.LabelManagedBy:            flotillav1alpha1.ManagedByFlotilla,
		flotillav1alpha1.LabelApplication:          app,
		flotillav1alpha1.LabelApplicationNamespace: namespace,
	}
}

// dependencyRank orders kinds so that what a workload refers to exists before it.
var dependencyRank = map[string]int{
	"ServiceAccount":        0,
	"ConfigMap":             1,
	"Secret":                2,
	"PersistentVolumeClaim": 3,
	"Service":               4,
}

// Rank is the apply order of a kind: dependencies low, workloads (and unknown kinds) last.
func Rank(kind string) int {
	if r, ok := dependencyRank[kind]; ok {
		return r
	}
	return len(dependencyRank)
}

func sortByDependency(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	sort.SliceStable(objs, func(i, j int) bool { return Rank(objs[i].GetKind()) < Rank(objs[j].GetKind()) })
	return objs
}

// PodSelector selects the pods of the Application's workload (and of its canary, whose
// selector only adds a label) by the workload's own spec.selector.
func PodSelector(app *flotillav1alpha1.Application) (client.MatchingLabelsSelector, error) {
	_, w, err := Workload(app.Spec.Resources, app.Namespace)
	if err != nil {
		return client.MatchingLabelsSelector{}, err
	}
	raw, found, _ := unstructured.NestedMap(w.Object, "spec", "selector")
	if !found {
		return client.MatchingLabelsSelector{}, fmt.Errorf("the workload %s has no spec.selector", w.GetName())
	}
	ls := &metav1.LabelSelector{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, ls); err != nil {
		return client.MatchingLabelsSelector{}, fmt.Errorf("the workload's spec.selector: %w", err)
	}
	s, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return client.MatchingLabelsSelector{}, fmt.Errorf("the workload's spec.selector: %w", err)
	}
	return client.MatchingLabelsSelector{Selector: s}, nil
}

// Containers returns the containers of the Application's workload pod template, as written in
// spec.resources (before per-cluster overrides).
func Containers(app *flotillav1alpha1.Application) ([]corev1.Container, error) {
	_, w, err := Workload(app.Spec.Resources, app.Namespace)
	if err != nil {
		return nil, err
	}
	raw, found, _ := unstructured.NestedSlice(w.Object, "spec", "template", "spec", "containers")
	if !found {
		return nil, fmt.Errorf("the workload %s has no spec.template.spec.containers", w.GetName())
	}
	out := make([]corev1.Container, 0, len(raw))
	for i, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("the workload's spec.template.spec.containers[%d] is not an object", i)
		}
		var c corev1.Container
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &c); err != nil {
			return nil, fmt.Errorf("the workload's spec.template.spec.containers[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}
