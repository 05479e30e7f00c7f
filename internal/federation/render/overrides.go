package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// applyOverride applies one override's changes in a fixed order: image, replicas, env,
// resources, then the JSON patch (so a patch sees, and may correct, the others' result).
func applyOverride(objs []*unstructured.Unstructured, workload int, o *flotillav1alpha1.ClusterOverride, field string) *Error {
	w := objs[workload]
	if o.Image != nil {
		if ferr := overrideImage(w, o.Image, field+".image"); ferr != nil {
			return ferr
		}
	}
	if o.Replicas != nil {
		if *o.Replicas < 0 {
			return errorf(field+".replicas", "must not be negative, got %d", *o.Replicas)
		}
		if err := unstructured.SetNestedField(w.Object, int64(*o.Replicas), "spec", "replicas"); err != nil {
			return errorf(field+".replicas", "cannot set spec.replicas of %s %s: %v", w.GetKind(), w.GetName(), err)
		}
	}
	for i := range o.Env {
		if ferr := overrideEnv(w, &o.Env[i], fmt.Sprintf("%s.env[%d]", field, i)); ferr != nil {
			return ferr
		}
	}
	for i := range o.Resources {
		if ferr := overrideResources(w, &o.Resources[i], fmt.Sprintf("%s.resources[%d]", field, i)); ferr != nil {
			return ferr
		}
	}
	for i := range o.JSONPatch {
		if ferr := applyPatch(objs, workload, &o.JSONPatch[i], fmt.Sprintf("%s.jsonPatch[%d]", field, i)); ferr != nil {
			return ferr
		}
	}
	return nil
}

// containers returns the pod template's container lists: "containers" and, when withInit,
// "initContainers". Each entry is the live map inside the object.
func containers(w *unstructured.Unstructured, withInit bool) []map[string]any {
	keys := []string{"containers"}
	if withInit {
		keys = append(keys, "initContainers")
	}
	var out []map[string]any
	for _, k := range keys {
		list, _, _ := unstructured.NestedFieldNoCopy(w.Object, "spec", "template", "spec", k)
		items, _ := list.([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// forContainers calls fn on every container named name (all when name is empty) and fails when
// a named container does not exist.
func forContainers(w *unstructured.Unstructured, name string, withInit bool, field string, fn func(map[string]any) *Error) *Error {
	matched := false
	for _, c := range containers(w, withInit) {
		if name != "" && c["name"] != name {
			continue
		}
		matched = true
		if ferr := fn(c); ferr != nil {
			return ferr
		}
	}
	if !matched {
		if name == "" {
			return errorf(field, "%s %s has no containers", w.GetKind(), w.GetName())
		}
		return errorf(field+".container", "no container %q in %s %s", name, w.GetKind(), w.GetName())
	}
	return nil
}

func overrideImage(w *unstructured.Unstructured, o *flotillav1alpha1.ImageOverride, field string) *Error {
	if o.Registry == "" && o.Tag == "" {
		return errorf(field, "set registry or tag")
	}
	return forContainers(w, o.Container, true, field, func(c map[string]any) *Error {
		img, _ := c["image"].(string)
		if img == "" {
			return errorf(field, "container %v of %s %s has no image to rewrite", c["name"], w.GetKind(), w.GetName())
		}
		c["image"] = RewriteImage(img, o.Registry, o.Tag)
		return nil
	})
}

func overrideEnv(w *unstructured.Unstructured, o *flotillav1alpha1.ContainerEnvOverride, field string) *Error {
	vars := make([]map[string]any, 0, len(o.Env))
	for i := range o.Env {
		if o.Env[i].Name == "" {
			return errorf(fmt.Sprintf("%s.env[%d].name", field, i), "required")
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&o.Env[i])
		if err != nil {
			return errorf(fmt.Sprintf("%s.env[%d]", field, i), "cannot encode: %v", err)
		}
		vars = append(vars, m)
	}
	return forContainers(w, o.Container, false, field, func(c map[string]any) *Error {
		env, _ := c["env"].([]any)
		for _, v := range vars {
			env = setEnv(env, runtime.DeepCopyJSON(v))
		}
		c["env"] = env
		return nil
	})
}

// setEnv replaces the variable of the same name, or appends it.
func setEnv(env []any, v map[string]any) []any {
	for i, e := range env {
		if m, ok := e.(map[string]any); ok && m["name"] == v["name"] {
			env[i] = v
			return env
		}
	}
	return append(env, v)
}

func overrideResources(w *unstructured.Unstructured, o *flotillav1alpha1.ContainerResourcesOverride, field string) *Error {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&o.Resources)
	if err != nil {
		return errorf(field+".resources", "cannot encode: %v", err)
	}
	return forContainers(w, o.Container, false, field, func(c map[string]any) *Error {
		c["resources"] = runtime.DeepCopyJSON(m)
		return nil
	})
}

// RewriteImage replaces the registry host and/or the tag (or digest, when tag starts with
// "sha256:") of an image reference. Empty registry or tag leaves that part unchanged.
func RewriteImage(image, registry, tag string) string {
	repo, ref := splitReference(image)
	if registry != "" {
		repo = registry + "/" + stripRegistry(repo)
	}
	if tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			ref = "@" + tag
		} else {
			ref = ":" + tag
		}
	}
	return repo + ref
}

// splitReference splits "host:5000/a/b:tag@sha256:..." into the repository and the tag or digest
// suffix (with its ':' or '@').
func splitReference(image string) (repo, ref string) {
	if i := strings.Index(image, "@"); i >= 0 {
		return image[:i], image[i:]
	}
	slash := strings.LastIndex(image, "/")
	if i := strings.LastIndex(image, ":"); i > slash {
		return image[:i], image[i:]
	}
	return image, ""
}

// stripRegistry drops the first path component when it names a registry host (it has a '.' or
// ':' or is "localhost"), as Docker's reference grammar does.
func stripRegistry(repo string) string {
	first, rest, found := strings.Cut(repo, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return rest
	}
	return repo
}

func applyPatch(objs []*unstructured.Unstructured, workload int, op *flotillav1alpha1.JSONPatchOperation, field string) *Error {
	target, ferr := patchTarget(objs, workload, op, field)
	if ferr != nil {
		return ferr
	}
	o := objs[target]
	doc, err := json.Marshal(o.Object)
	if err != nil {
		return errorf(field, "cannot encode %s %s: %v", o.GetKind(), o.GetName(), err)
	}
	patch, ferr := encodeOperation(op, field)
	if ferr != nil {
		return ferr
	}
	out, err := patch.Apply(doc)
	if err != nil {
		if errors.Is(err, jsonpatch.ErrMissing) {
			return errorf(field, "path %s does not exist in %s %s", op.Path, o.GetKind(), o.GetName())
		}
		return errorf(field, "cannot %s %s in %s %s: %v", op.Op, op.Path, o.GetKind(), o.GetName(), err)
	}
	patched := map[string]any{}
	if err := utiljson.Unmarshal(out, &patched); err != nil {
		return errorf(field, "the patched %s %s is not an object: %v", o.GetKind(), o.GetName(), err)
	}
	next := &unstructured.Unstructured{Object: patched}
	if next.GetAPIVersion() != o.GetAPIVersion() || next.GetKind() != o.GetKind() || next.GetName() != o.GetName() || next.GetNamespace() != o.GetNamespace() {
		return errorf(field, "path %s changes the identity (apiVersion, kind, name or namespace) of %s %s; patch other fields", op.Path, o.GetKind(), o.GetName())
	}
	if target == workload {
		if _, ok, _ := unstructured.NestedMap(patched, "spec"); !ok {
			return errorf(field, "path %s leaves %s %s without a spec", op.Path, o.GetKind(), o.GetName())
		}
	}
	objs[target] = next
	return nil
}

func encodeOperation(op *flotillav1alpha1.JSONPatchOperation, field string) (jsonpatch.Patch, *Error) {
	switch op.Op {
	case "add", "replace", "remove":
	default:
		return nil, errorf(field+".op", "%q is not supported: use add, remove or replace", op.Op)
	}
	if op.Path == "" || op.Path[0] != '/' {
		return nil, errorf(field+".path", "%q is not a JSON pointer: start with '/'", op.Path)
	}
	m := map[string]any{"op": string(op.Op), "path": op.Path}
	if op.Op != "remove" {
		if op.Value == nil || len(op.Value.Raw) == 0 {
			return nil, errorf(field+".value", "required for %s", op.Op)
		}
		m["value"] = json.RawMessage(op.Value.Raw)
	}
	b, err := json.Marshal([]any{m})
	if err != nil {
		return nil, errorf(field+".value", "not valid JSON: %v", err)
	}
	p, err := jsonpatch.DecodePatch(b)
	if err != nil {
		return nil, errorf(field, "not a valid JSON patch operation: %v", err)
	}
	return p, nil
}

// patchTarget picks the resource a JSON patch operation addresses: by kind and name, by kind
// alone when only one resource has it, or the workload when neither is set.
func patchTarget(objs []*unstructured.Unstructured, workload int, op *flotillav1alpha1.JSONPatchOperation, field string) (int, *Error) {
	if op.Kind == "" && op.Name == "" {
		return workload, nil
	}
	found := -1
	for i, o := range objs {
		if (op.Kind == "" || o.GetKind() == op.Kind) && (op.Name == "" || o.GetName() == op.Name) {
			if found >= 0 {
				return -1, errorf(field, "kind %q and name %q match more than one resource: set both", op.Kind, op.Name)
			}
			found = i
		}
	}
	if found < 0 {
		return -1, errorf(field, "no resource with kind %q and name %q in spec.resources", op.Kind, op.Name)
	}
	return found, nil
}
