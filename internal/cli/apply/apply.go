// Package apply is `flotilla apply -f FILE`: server-side apply of Applications (and any other
// manifests) to the hub, like `kubectl apply --server-side`.
package apply

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/cli/options"
)

// FieldManager owns the fields `flotilla apply` sets.
const FieldManager = "flotilla-cli"

// NewCommand returns `flotilla apply`.
func NewCommand(g *options.Global) *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Create or update Applications in the hub (server-side apply)",
		Long: `Apply manifests to the hub with server-side apply. FILE may hold several YAML or JSON
documents; "-" reads standard input. Namespaced objects without a namespace go to --namespace.
kubectl apply --server-side works as well: Applications are ordinary custom resources.`,
		Example: "  flotilla apply -f examples/sample-app.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return &options.UsageError{Err: errors.New("-f is required: name a manifest file, or - for standard input")}
			}
			var objs []*unstructured.Unstructured
			for _, f := range files {
				more, err := readFile(cmd.InOrStdin(), f)
				if err != nil {
					return err
				}
				objs = append(objs, more...)
			}
			c, err := g.Client()
			if err != nil {
				return err
			}
			ns, err := g.EffectiveNamespace()
			if err != nil {
				return err
			}
			return Apply(cmd, c, ns, objs, g.Out)
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifest file to apply (repeatable; - for standard input)")
	return cmd
}

func readFile(stdin io.Reader, name string) ([]*unstructured.Unstructured, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("-f %s: %w", name, err)
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	objs, err := Parse(r)
	if err != nil {
		return nil, fmt.Errorf("-f %s: %w", name, err)
	}
	return objs, nil
}

// Parse reads YAML or JSON documents, skipping empty ones and expanding v1 Lists. Every object
// needs apiVersion, kind and metadata.name; errors name the document (from 1).
func Parse(r io.Reader) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := utilyaml.Unmarshal(raw, &obj.Object); err != nil {
			return nil, fmt.Errorf("document %d: not a YAML or JSON object: %w", doc, err)
		}
		if obj.Object == nil {
			continue
		}
		objs, err := expand(obj, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func expand(obj *unstructured.Unstructured, doc int) ([]*unstructured.Unstructured, error) {
	if obj.IsList() {
		list, err := obj.ToList()
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		var out []*unstructured.Unstructured
		for i := range list.Items {
			item := &list.Items[i]
			if err := check(item, fmt.Sprintf("document %d, items[%d]", doc, i)); err != nil {
				return nil, err
			}
			out = append(out, item)
		}
		return out, nil
	}
	if err := check(obj, fmt.Sprintf("document %d", doc)); err != nil {
		return nil, err
	}
	return []*unstructured.Unstructured{obj}, nil
}

func check(obj *unstructured.Unstructured, where string) error {
	switch {
	case obj.GetAPIVersion() == "":
		return fmt.Errorf("%s: apiVersion is required", where)
	case obj.GetKind() == "":
		return fmt.Errorf("%s: kind is required", where)
	case obj.GetName() == "":
		return fmt.Errorf("%s: metadata.name is required", where)
	}
	return nil
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range strings.Split(string(b), "\n") {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") || t == "---" {
			continue
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}

// Apply server-side applies objs in order, defaulting the namespace of namespaced kinds to ns,
// and prints one line per object.
func Apply(cmd *cobra.Command, c client.Client, ns string, objs []*unstructured.Unstructured, out io.Writer) error {
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		mapping, err := c.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("%s %s: the hub does not know this kind: %w", gvk.Kind, obj.GetName(), err)
		}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace && obj.GetNamespace() == "" {
			obj.SetNamespace(ns)
		}
		obj.SetManagedFields(nil)
		obj.SetResourceVersion("")
		if err := c.Apply(cmd.Context(), client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		fmt.Fprintf(out, "%s.%s/%s serverside-applied\n", strings.ToLower(gvk.Kind), mapping.Resource.Group, obj.GetName())
	}
	return nil
}
