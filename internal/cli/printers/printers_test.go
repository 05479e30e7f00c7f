package printers_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/cli/printers"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

func configMaps(names ...string) []client.Object {
	out := make([]client.Object, len(names))
	for i, n := range names {
		out[i] = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: "ns",
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "x"}}}}
	}
	return out
}

func printer(f printers.Format) printers.Printer {
	return printers.Printer{Format: f, Scheme: scheme.Scheme, Table: func(objs []client.Object) printers.Rows {
		rows := printers.Rows{Columns: []printers.Column{{Header: "Name"}, {Header: "Extra", Wide: true}}}
		for _, o := range objs {
			rows.Cells = append(rows.Cells, []string{o.GetName(), ""})
		}
		return rows
	}}
}

func TestTableHidesWideColumnsAndFillsEmptyCells(t *testing.T) {
	var narrow, wide bytes.Buffer
	if err := printer(printers.Table).Print(&narrow, configMaps("a", "bb"), false); err != nil {
		t.Fatal(err)
	}
	if err := printer(printers.Wide).Print(&wide, configMaps("a"), false); err != nil {
		t.Fatal(err)
	}
	if got, want := narrow.String(), "NAME\na\nbb\n"; got != want {
		t.Errorf("table:\n%q\nwant\n%q", got, want)
	}
	if got, want := wide.String(), "NAME   EXTRA\na      <none>\n"; got != want {
		t.Errorf("wide:\n%q\nwant\n%q", got, want)
	}
}

func TestJSONAndYAMLPrintOneObjectOrAList(t *testing.T) {
	var one, many bytes.Buffer
	if err := printer(printers.JSON).Print(&one, configMaps("a"), true); err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(one.Bytes(), &obj); err != nil {
		t.Fatal(err)
	}
	if obj["kind"] != "ConfigMap" || obj["apiVersion"] != "v1" {
		t.Errorf("single object printed with kind %v apiVersion %v", obj["kind"], obj["apiVersion"])
	}
	if strings.Contains(one.String(), "managedFields") {
		t.Error("managed fields printed")
	}
	if err := printer(printers.YAML).Print(&many, configMaps("a", "b"), false); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	if err := yaml.Unmarshal(many.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if list.Kind != "List" || len(list.Items) != 2 || list.Items[1]["kind"] != "ConfigMap" {
		t.Errorf("list: %+v", list)
	}
}

func TestNameFormat(t *testing.T) {
	var out bytes.Buffer
	if err := printer(printers.Name).Print(&out, configMaps("a"), false); err != nil {
		t.Fatal(err)
	}
	if out.String() != "configmap/a\n" {
		t.Errorf("got %q", out.String())
	}
}

func TestParseFormat(t *testing.T) {
	for _, ok := range []string{"", "wide", "json", "yaml", "name"} {
		if _, err := printers.ParseFormat(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	_, err := printers.ParseFormat("jsonpath")
	if err == nil || !strings.Contains(err.Error(), "-o/--output") {
		t.Errorf("bad format error does not name the flag: %v", err)
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if got := printers.Age(metav1.NewTime(now.Add(-90*time.Second)), now); got != "90s" {
		t.Errorf("got %q", got)
	}
	if got := printers.Age(metav1.Time{}, now); got != "<unknown>" {
		t.Errorf("zero time: %q", got)
	}
}
