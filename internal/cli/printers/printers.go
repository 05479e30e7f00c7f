// Package printers writes API objects the way kubectl does: an aligned table (with extra
// columns for -o wide), JSON, YAML or resource/name lines. It knows nothing about a particular
// kind: each command supplies the table of its kind; everything else is shared.
package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/yaml"
)

// Format is an output format, the value of -o/--output.
type Format string

// Output formats.
const (
	Table Format = ""
	Wide  Format = "wide"
	JSON  Format = "json"
	YAML  Format = "yaml"
	Name  Format = "name"
)

// Formats lists the accepted values of -o.
var Formats = []Format{Wide, JSON, YAML, Name}

// AddFlag registers -o/--output on fs, storing into f.
func AddFlag(fs *pflag.FlagSet, f *string) {
	fs.StringVarP(f, "output", "o", "", "output format: wide, json, yaml or name (default: a table)")
}

// ParseFormat checks the value of -o and names the accepted ones when it is wrong.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return Table, nil
	}
	for _, f := range Formats {
		if Format(s) == f {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("-o/--output %q is not supported: use one of %s, or omit it for a table", s, strings.Join(names, ", "))
}

// Column is one column of a table.
type Column struct {
	// Header is printed upper-case.
	Header string
	// Wide columns are shown only with -o wide.
	Wide bool
}

// Rows is a table: columns and one row of cells per object.
type Rows struct {
	Columns []Column
	Cells   [][]string
}

// Write prints the table aligned like kubectl, with the wide columns when wide is true.
func (t Rows) Write(w io.Writer, wide bool) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	keep := make([]int, 0, len(t.Columns))
	headers := make([]string, 0, len(t.Columns))
	for i, c := range t.Columns {
		if c.Wide && !wide {
			continue
		}
		keep = append(keep, i)
		headers = append(headers, strings.ToUpper(c.Header))
	}
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, row := range t.Cells {
		cells := make([]string, 0, len(keep))
		for _, i := range keep {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			if cell == "" {
				cell = "<none>"
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// Printer prints objects of one kind.
type Printer struct {
	// Format chosen with -o.
	Format Format
	// Scheme resolves the kind of each object for JSON, YAML and names.
	Scheme *runtime.Scheme
	// Table builds the table of the objects (for the table and wide formats).
	Table func(objs []client.Object) Rows
}

// Print writes objs. single is true when the user asked for one object by name: JSON and YAML
// then print the object itself rather than a List, as kubectl does. Managed fields are left out.
func (p Printer) Print(w io.Writer, objs []client.Object, single bool) error {
	switch p.Format {
	case Table, Wide:
		return p.Table(objs).Write(w, p.Format == Wide)
	case Name:
		for _, o := range objs {
			gvk, err := apiutil.GVKForObject(o, p.Scheme)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s/%s\n", strings.ToLower(gvk.GroupKind().String()), o.GetName())
		}
		return nil
	}
	doc, err := p.document(objs, single)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		return err
	}
	if p.Format == YAML {
		if out, err = yaml.JSONToYAML(out); err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}

// document is the object (single) or a v1 List of the objects, with kinds set.
func (p Printer) document(objs []client.Object, single bool) (any, error) {
	items := make([]runtime.Object, 0, len(objs))
	for _, o := range objs {
		c, ok := o.DeepCopyObject().(client.Object)
		if !ok {
			return nil, fmt.Errorf("%T is not an API object", o)
		}
		gvk, err := apiutil.GVKForObject(c, p.Scheme)
		if err != nil {
			return nil, err
		}
		c.GetObjectKind().SetGroupVersionKind(gvk)
		c.SetManagedFields(nil)
		items = append(items, c)
	}
	if single && len(items) == 1 {
		return items[0], nil
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": items}, nil
}

// Age is kubectl's age of t at now ("5m", "3d"), or "<unknown>" for a zero time.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}
