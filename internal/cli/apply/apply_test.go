package apply

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string // kind/name
		wantErr  string
	}{
		{name: "two documents with comments and empties", in: "# c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\n---\napiVersion: flotilla.dev/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n",
			want: []string{"ConfigMap/a", "Application/shop"}},
		{name: "json", in: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}`, want: []string{"Secret/s"}},
		{name: "list", in: "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n", want: []string{"ConfigMap/x"}},
		{name: "missing name", in: "apiVersion: v1\nkind: ConfigMap\n", wantErr: "document 1: metadata.name is required"},
		{name: "missing kind in the second", in: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n", wantErr: "document 2: kind is required"},
		{name: "not an object", in: "- a\n- b\n", wantErr: "document 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Parse(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzParse: arbitrary input never panics, and every object returned has apiVersion, kind, name.
func FuzzParse(f *testing.F) {
	f.Add("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
	f.Add("---\n---\n{}\n")
	f.Add("apiVersion: v1\nkind: List\nitems: [1, {kind: x}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		objs, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.GetAPIVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
				t.Fatalf("accepted an incomplete object %v", o.Object)
			}
		}
	})
}
