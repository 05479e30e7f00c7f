package get

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// kind is what `get` knows of one kind: how to read its objects and how to show them. Every
// kind gets the same behaviour from it: at most one NAME (completed from the hub), -l, -o, and
// for namespaced kinds -n and -A (a NAMESPACE column; a NAME is looked up in -n even with -A).
type kind struct {
	// use, aliases, short and example are the texts of the subcommand.
	use, short, example string
	aliases             []string
	// noun names one object in messages ("application"); errors add "s" for several.
	noun string
	// namespaced kinds are read from one namespace, or from all with -A.
	namespaced bool
	// newObject and newList return empty objects of the kind.
	newObject func() client.Object
	newList   func() client.ObjectList
	// empty is printed instead of a table without rows, and says how to create an object.
	empty string
	// rows is the table of objs, one row per object in order, without a NAMESPACE column.
	rows func(objs []client.Object, now time.Time) printers.Rows
}

// command is `get` of k.
func (k kind) command(g *options.Global, o *Options) *cobra.Command {
	return &cobra.Command{
		Use:               k.use,
		Aliases:           k.aliases,
		Short:             k.short,
		Example:           k.example,
		Args:              options.AtMostOneName(k.noun),
		ValidArgsFunction: k.complete(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			return k.run(cmd.Context(), g, o, args)
		},
	}
}

func (k kind) run(ctx context.Context, g *options.Global, o *Options, args []string) error {
	format, err := printers.ParseFormat(o.Output)
	if err != nil {
		return &options.UsageError{Err: err}
	}
	sel, err := labels.Parse(o.Selector)
	if err != nil {
		return &options.UsageError{Err: fmt.Errorf("-l/--selector %q: %w", o.Selector, err)}
	}
	c, err := g.Client()
	if err != nil {
		return err
	}
	ns := ""
	if k.namespaced && (!g.AllNamespaces || len(args) == 1) {
		if ns, err = g.EffectiveNamespace(); err != nil {
			return err
		}
	}
	objs, err := k.read(ctx, c, ns, args, sel)
	if err != nil {
		return err
	}
	return k.print(g.Out, format, objs, len(args) == 1, k.namespaced && ns == "", o.Clock.Now())
}

// read gets the object args names, or lists those sel selects in ns ("" for all namespaces).
func (k kind) read(ctx context.Context, c client.Client, ns string, args []string, sel labels.Selector) ([]client.Object, error) {
	if len(args) == 1 {
		obj := k.newObject()
		key := client.ObjectKey{Namespace: ns, Name: args[0]}
		if err := c.Get(ctx, key, obj); err != nil {
			return nil, fmt.Errorf("getting %s %s: %w", k.noun, key, err)
		}
		return []client.Object{obj}, nil
	}
	list := k.newList()
	if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("listing %ss: %w", k.noun, err)
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	objs := make([]client.Object, 0, len(items))
	for _, item := range items {
		if obj, ok := item.(client.Object); ok {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// print writes objs in format; single is true when the user named one object, allNamespaces
// adds a NAMESPACE column to the table.
func (k kind) print(w io.Writer, format printers.Format, objs []client.Object, single, allNamespaces bool, now time.Time) error {
	if len(objs) == 0 && (format == printers.Table || format == printers.Wide) {
		_, err := fmt.Fprintln(w, k.empty)
		return err
	}
	p := printers.Printer{Format: format, Scheme: scheme.Scheme, Table: func(objs []client.Object) printers.Rows {
		rows := k.rows(objs, now)
		if allNamespaces {
			rows = withNamespaces(rows, objs)
		}
		return rows
	}}
	return p.Print(w, objs, single)
}

// withNamespaces puts a NAMESPACE column first: the namespace of objs[i] in row i.
func withNamespaces(rows printers.Rows, objs []client.Object) printers.Rows {
	out := printers.Rows{Columns: append([]printers.Column{{Header: "Namespace"}}, rows.Columns...)}
	for i, cells := range rows.Cells {
		out.Cells = append(out.Cells, append([]string{objs[i].GetNamespace()}, cells...))
	}
	return out
}
