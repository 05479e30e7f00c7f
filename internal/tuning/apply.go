package tuning

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// maxRetryBackoff caps the wait before a refused resize is tried again.
const maxRetryBackoff = 10 * time.Minute

// retryBackoff is the wait after the n-th refusal: 10s, 20s, 40s ... up to 10 minutes.
func retryBackoff(attempts int32) time.Duration {
	d := 10 * time.Second
	for i := int32(1); i < attempts && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

// podState says where one pod stands against the current revision.
type podState int

const (
	podUpdated podState = iota // spec and status run the revision
	podPending                 // spec runs it, status does not yet
	podLabel                   // runs it but is not marked with the revision
	podToResize
)

// desiredContainers returns the pod's containers' resources at the revision, for the containers
// the revision names.
func desiredContainers(pod *corev1.Pod, app string, desired map[appContainer]corev1.ResourceRequirements) map[string]corev1.ResourceRequirements {
	out := map[string]corev1.ResourceRequirements{}
	for _, c := range pod.Spec.Containers {
		if d, ok := desired[appContainer{app, c.Name}]; ok {
			out[c.Name] = withValues(c.Resources, values(d))
		}
	}
	return out
}

// stateOf compares a pod with what it should run.
func stateOf(pod *corev1.Pod, want map[string]corev1.ResourceRequirements, rev int64) podState {
	for _, c := range pod.Spec.Containers {
		if w, ok := want[c.Name]; ok && !sameTuned(c.Resources, w) {
			return podToResize
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		w, ok := want[cs.Name]
		if !ok {
			continue
		}
		if cs.Resources == nil || !sameTuned(*cs.Resources, w) {
			return podPending
		}
	}
	if podRevision(pod) != rev {
		return podLabel
	}
	return podUpdated
}

// apply resizes the pods of every cluster toward the current revision, a batch at a time per
// cluster; the pods of priority (those that asked for a burst) go first and do not wait for the
// batch. Refusals are recorded with a backoff.
func (r *Reconciler) apply(ctx context.Context, p *flotillav1alpha1.ResourcePolicy, f *fleetView, s settings,
	priority map[string]bool, now time.Time) {
	a := &applier{r: r, p: p, s: s, priority: priority, now: now, rev: revision(p, p.Status.CurrentRevision),
		failures: map[string]flotillav1alpha1.ResizeFailure{}, alive: map[string]bool{}, desired: map[appContainer]corev1.ResourceRequirements{}}
	for _, fl := range p.Status.Failures {
		a.failures[fl.Cluster+"/"+fl.Pod] = fl
	}
	if a.rev != nil {
		for _, c := range a.rev.Containers {
			a.desired[appContainer{c.Application, c.Container}] = c.After
		}
	}
	clusters := make([]string, 0, len(f.pods))
	for c := range f.pods {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	for _, cluster := range clusters {
		a.cluster(ctx, cluster, f.pods[cluster])
	}
	p.Status.Pods = a.counts
	p.Status.Failures = nil
	for id, fl := range a.failures {
		if a.alive[id] {
			p.Status.Failures = append(p.Status.Failures, fl)
		}
	}
	sort.Slice(p.Status.Failures, func(i, j int) bool {
		return p.Status.Failures[i].Cluster+"/"+p.Status.Failures[i].Pod < p.Status.Failures[j].Cluster+"/"+p.Status.Failures[j].Pod
	})
}

// applier is one apply pass.
type applier struct {
	r        *Reconciler
	p        *flotillav1alpha1.ResourcePolicy
	s        settings
	priority map[string]bool
	now      time.Time
	rev      *flotillav1alpha1.TuningRevision
	desired  map[appContainer]corev1.ResourceRequirements
	counts   flotillav1alpha1.TuningPods
	failures map[string]flotillav1alpha1.ResizeFailure
	alive    map[string]bool
}

// cluster counts one cluster's pods and resizes the next batch of them.
func (a *applier) cluster(ctx context.Context, cluster string, pods []appPod) {
	var todo []appPod
	pending, total := 0, 0
	for _, ap := range pods {
		pod := ap.pod
		if pod.DeletionTimestamp != nil || pod.Spec.NodeName == "" || pod.Status.Phase != corev1.PodRunning {
			continue
		}
		total++
		a.counts.Total++
		id := cluster + "/" + pod.Name
		a.alive[id] = true
		if a.rev == nil {
			continue
		}
		switch stateOf(pod, desiredContainers(pod, ap.app, a.desired), a.rev.Revision) {
		case podUpdated:
			a.counts.Updated++
			delete(a.failures, id)
		case podPending:
			pending++
			a.counts.Pending++
			if msg, ok := infeasible(pod); ok {
				a.failures[id] = flotillav1alpha1.ResizeFailure{Cluster: cluster, Pod: pod.Name, Message: msg,
					Attempts: 1, RetryAt: metav1.Time{Time: a.now.Add(retryBackoff(1))}}
			}
		case podLabel:
			if err := a.r.mark(ctx, cluster, pod, a.rev.Revision, a.now); err == nil {
				a.counts.Updated++
			}
		case podToResize:
			todo = append(todo, ap)
		}
	}
	if len(todo) == 0 {
		return
	}
	sort.SliceStable(todo, func(i, j int) bool {
		pi, pj := a.priority[cluster+"/"+todo[i].pod.Name], a.priority[cluster+"/"+todo[j].pod.Name]
		if pi != pj {
			return pi
		}
		return todo[i].pod.Name < todo[j].pod.Name
	})
	budget := a.s.batchSize(total) - pending
	pdbs := a.r.disruptionBudgets(ctx, cluster, a.p.Namespace)
	for _, ap := range todo {
		urgent := a.priority[cluster+"/"+ap.pod.Name]
		if budget <= 0 && !urgent {
			break
		}
		if a.resizeOne(ctx, cluster, ap, pdbs, urgent) {
			budget--
			a.counts.Pending++
		}
	}
}

// resizeOne resizes one pod unless its backoff or a PodDisruptionBudget says to wait; it
// reports whether it did.
func (a *applier) resizeOne(ctx context.Context, cluster string, ap appPod, pdbs *budgets, urgent bool) bool {
	id := cluster + "/" + ap.pod.Name
	if fl, ok := a.failures[id]; ok && a.now.Before(fl.RetryAt.Time) && !urgent {
		return false
	}
	want := desiredContainers(ap.pod, ap.app, a.desired)
	restart := needsRestart(ap.pod, want)
	if restart {
		if name, ok := pdbs.blocks(ap.pod); ok {
			a.r.Events.Eventf(a.p, nil, corev1.EventTypeNormal, "ResizeWaiting", "Resize",
				"%s: resizing pod %s restarts a container and PodDisruptionBudget %s allows no disruption now", cluster, ap.pod.Name, name)
			return false
		}
	}
	err := a.r.resize(ctx, cluster, ap.pod, want, a.rev.Revision, a.now)
	a.r.metrics.observeResize(cluster, err == nil)
	if err != nil {
		fl := a.failures[id]
		fl.Cluster, fl.Pod, fl.Message = cluster, ap.pod.Name, err.Error()
		fl.Attempts++
		fl.RetryAt = metav1.Time{Time: a.now.Add(retryBackoff(fl.Attempts))}
		a.failures[id] = fl
		a.r.Events.Eventf(a.p, nil, corev1.EventTypeWarning, "ResizeRefused", "Resize",
			"%s refused to resize pod %s to revision %d (attempt %d, next at %s): %v", cluster, ap.pod.Name, a.rev.Revision,
			fl.Attempts, fl.RetryAt.UTC().Format(time.RFC3339), err)
		return false
	}
	delete(a.failures, id)
	pdbs.took(ap.pod, restart)
	return true
}

// infeasible reports a kubelet's PodResizePending condition with reason Infeasible.
func infeasible(pod *corev1.Pod) (string, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodResizePending && c.Status == corev1.ConditionTrue && c.Reason == corev1.PodReasonInfeasible {
			return "the node cannot fit the new resources (PodResizePending/Infeasible): " + c.Message, true
		}
	}
	return "", false
}

// needsRestart says whether resizing to want restarts a container: its resizePolicy for a
// changed resource is RestartContainer.
func needsRestart(pod *corev1.Pod, want map[string]corev1.ResourceRequirements) bool {
	for _, c := range pod.Spec.Containers {
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		before, after := values(c.Resources), values(w)
		for _, rp := range c.ResizePolicy {
			if rp.RestartPolicy != corev1.RestartContainer {
				continue
			}
			for k, v := range after {
				if string(k.Resource) == string(rp.ResourceName) && before[k] != v {
					return true
				}
			}
		}
	}
	return false
}

// resize marks the pod with the revision and resizes it through the resize subresource.
func (r *Reconciler) resize(ctx context.Context, cluster string, pod *corev1.Pod, want map[string]corev1.ResourceRequirements, rev int64, now time.Time) error {
	if err := r.mark(ctx, cluster, pod, rev, now); err != nil {
		return err
	}
	cl, err := r.Members.Client(ctx, cluster)
	if err != nil {
		return err
	}
	type containerPatch struct {
		Name      string                      `json:"name"`
		Resources corev1.ResourceRequirements `json:"resources"`
	}
	var containers []containerPatch
	for _, c := range pod.Spec.Containers {
		if w, ok := want[c.Name]; ok {
			containers = append(containers, containerPatch{Name: c.Name, Resources: w})
		}
	}
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"containers": containers}})
	if err != nil {
		return err
	}
	target := pod.DeepCopy()
	return cl.SubResource("resize").Patch(ctx, target, client.RawPatch(types.StrategicMergePatchType, body))
}

// mark records on the pod the revision it runs, its restart count and the time, so the
// safety watch knows what happened after the change (and survives a controller restart).
func (r *Reconciler) mark(ctx context.Context, cluster string, pod *corev1.Pod, rev int64, now time.Time) error {
	cl, err := r.Members.Client(ctx, cluster)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		AnnotationRevision: strconv.FormatInt(rev, 10), AnnotationRestarts: strconv.Itoa(int(restarts(pod))),
		AnnotationResizedAt: now.UTC().Format(time.RFC3339Nano)}}})
	if err != nil {
		return err
	}
	return cl.Patch(ctx, pod.DeepCopy(), client.RawPatch(types.MergePatchType, body))
}

// restarts sums a pod's container restart counts.
func restarts(pod *corev1.Pod) int32 {
	var n int32
	for _, cs := range pod.Status.ContainerStatuses {
		n += cs.RestartCount
	}
	return n
}

// budgets are a namespace's PodDisruptionBudgets in one cluster, with what this pass took.
type budgets struct {
	items []policyv1.PodDisruptionBudget
	taken map[string]int32
}

func (r *Reconciler) disruptionBudgets(ctx context.Context, cluster, namespace string) *budgets {
	b := &budgets{taken: map[string]int32{}}
	reader, err := r.Members.APIReader(ctx, cluster)
	if err != nil {
		return b
	}
	var list policyv1.PodDisruptionBudgetList
	if err := reader.List(ctx, &list, client.InNamespace(namespace)); err == nil {
		b.items = list.Items
	}
	return b
}

func (b *budgets) matching(pod *corev1.Pod) []*policyv1.PodDisruptionBudget {
	var out []*policyv1.PodDisruptionBudget
	for i := range b.items {
		sel, err := metav1.LabelSelectorAsSelector(b.items[i].Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, &b.items[i])
	}
	return out
}

// blocks names a budget that allows no more disruption of the pod.
func (b *budgets) blocks(pod *corev1.Pod) (string, bool) {
	for _, pdb := range b.matching(pod) {
		if pdb.Status.DisruptionsAllowed-b.taken[pdb.Name] < 1 {
			return pdb.Name, true
		}
	}
	return "", false
}

func (b *budgets) took(pod *corev1.Pod, restart bool) {
	if !restart {
		return
	}
	for _, pdb := range b.matching(pod) {
		b.taken[pdb.Name]++
	}
}
