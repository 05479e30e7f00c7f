// Package tuning is `flotilla tuning`: the in-place tuning of an Application's CPU and memory
// by the ResourcePolicy that selects it. status shows what the policy measured and recommends,
// history lists the revisions it made, and revert asks the controller to restore one of them.
// Each subcommand is one file (status.go, history.go, revert.go); format.go holds the pure
// formatting they share.
//
// Like the rollout steering commands, revert never changes resources itself: it writes the
// tuning.flotilla.dev/revert-to and revert-by annotations on the policy as one JSON merge patch,
// and the controller (internal/tuning) makes the revision, removes the annotations and resizes
// the pods.
package tuning

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
)

// NewCommand returns `flotilla tuning` with its subcommands.
func NewCommand(g *options.Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tuning",
		Short: "Inspect and revert the in-place tuning of an Application's CPU and memory: status, history, revert",
		Long: `Tuning shows what the ResourcePolicy that selects an Application measured and recommends for
its containers (status), the revisions of requests and limits it made (history), and asks the
controller to go back to one of them (revert). See docs/tuning.md.`,
	}
	cmd.AddCommand(newStatusCommand(g), newHistoryCommand(g), newRevertCommand(g))
	return cmd
}

// appCommand completes cmd (its texts) as a command of one Application: one name, completed
// from the namespace's Applications.
func appCommand(g *options.Global, cmd *cobra.Command) *cobra.Command {
	cmd.Args = options.OneName("Application")
	cmd.ValidArgsFunction = get.CompleteApplicationNames(g)
	return cmd
}

// Selection is an Application and the one ResourcePolicy of its namespace that selects it.
type Selection struct {
	App    *flotillav1alpha1.Application
	Policy *flotillav1alpha1.ResourcePolicy
	// How says how the policy selects the Application ("spec.targetRef", "spec.selector app=web").
	How string
}

// Find reads the Application name in ns and the ResourcePolicy that selects it: by
// spec.targetRef.name, or by spec.selector matching the Application's labels. It fails when the
// Application does not exist, or when no policy or more than one selects it.
func Find(ctx context.Context, c client.Reader, ns, name string) (*Selection, error) {
	app := &flotillav1alpha1.Application{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("Application %s not found in namespace %s", name, ns) //nolint:staticcheck // ST1005: it starts with the kind's name, as kubectl spells it
		}
		return nil, fmt.Errorf("reading Application %s/%s: %w", ns, name, err)
	}
	var list flotillav1alpha1.ResourcePolicyList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("listing the ResourcePolicies of namespace %s: %w", ns, err)
	}
	var found []Selection
	for i := range list.Items {
		p := &list.Items[i]
		if how, ok := Selects(p, app); ok {
			found = append(found, Selection{App: app, Policy: p, How: how})
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no ResourcePolicy selects Application %s in namespace %s; create one (see docs/tuning.md)", name, ns)
	case 1:
		return &found[0], nil
	}
	names := make([]string, len(found))
	for i, s := range found {
		names[i] = s.Policy.Name
	}
	sort.Strings(names)
	return nil, fmt.Errorf("%d ResourcePolicies select Application %s in namespace %s (%s) and would tune the same containers; "+
		"keep one of them", len(found), name, ns, strings.Join(names, ", "))
}

// Selects tells whether p selects app (both in the same namespace) and how: "spec.targetRef",
// or "spec.selector" with the selector. An empty selector selects every Application, as the
// controller reads it; one that does not parse selects nothing.
func Selects(p *flotillav1alpha1.ResourcePolicy, app *flotillav1alpha1.Application) (string, bool) {
	if p.Namespace != app.Namespace {
		return "", false
	}
	if ref := p.Spec.TargetRef; ref != nil {
		return "spec.targetRef", ref.Name == app.Name
	}
	if p.Spec.Selector == nil {
		return "", false
	}
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
	if err != nil {
		return "", false
	}
	return "spec.selector " + metav1.FormatLabelSelector(p.Spec.Selector), sel.Matches(labels.Set(app.Labels))
}

// parseOutput checks -o of the tuning commands: a view (""), json or yaml.
func parseOutput(s string) (printers.Format, error) {
	switch printers.Format(s) {
	case printers.Table, printers.JSON, printers.YAML:
		return printers.Format(s), nil
	}
	return "", &options.UsageError{Err: fmt.Errorf("-o/--output %q is not supported: use json or yaml, or omit it for the view", s)}
}

// addOutputFlag registers -o/--output of the tuning commands.
func addOutputFlag(cmd *cobra.Command, f *string, what string) {
	cmd.Flags().StringVarP(f, "output", "o", "", "output format: json or yaml of "+what+" (default: a view for people)")
}

// writeData prints v, a part of a status rather than an API object, as indented JSON or YAML.
func writeData(w io.Writer, format printers.Format, v any) error {
	out, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return err
	}
	if format == printers.YAML {
		if out, err = yaml.JSONToYAML(out); err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}
