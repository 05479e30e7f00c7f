package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// metricName matches the names of the metrics Flotilla documents: its own and
// controller-runtime's built-ins.
var metricName = regexp.MustCompile(`\b(?:flotilla|controller_runtime|workqueue)_[a-z0-9_]*[a-z0-9]`)

// documentedRow is a table row of docs/observability.md whose first cell is a metric name.
var documentedRow = regexp.MustCompile("^\\|\\s*`((?:flotilla|controller_runtime|workqueue)_[a-z0-9_]+)`\\s*\\|\\s*(counter|gauge|histogram)\\s*\\|")

// repoFile is the path of a file of the repository.
func repoFile(t testing.TB, rel string) string {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source")
	}
	return filepath.Join(filepath.Dir(here), "..", "..", "..", rel)
}

// documentedMetrics reads the metric tables of docs/observability.md: name → type.
func documentedMetrics(t testing.TB) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(repoFile(t, "docs/observability.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := documentedRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, dup := out[m[1]]; dup {
			t.Errorf("docs/observability.md documents %s twice", m[1])
		}
		out[m[1]] = m[2]
	}
	if len(out) < 30 {
		t.Fatalf("docs/observability.md documents %d metrics in its tables; the table format changed?", len(out))
	}
	return out
}

// seriesOf maps a name used in a query to the documented metric it reads: itself, or the
// histogram a _bucket, _sum or _count series belongs to.
func seriesOf(name string, documented map[string]string) (string, bool) {
	if _, ok := documented[name]; ok {
		return name, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && documented[base] == "histogram" {
			return base, true
		}
	}
	return "", false
}

// dashboard is what the test reads of a Grafana dashboard.
type dashboard struct {
	SchemaVersion int     `json:"schemaVersion"`
	UID           string  `json:"uid"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *datasource     `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	GridPos    struct{ X, Y, W, H int }
	Targets    []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// dashboardDataSource is the data source every query of the dashboard uses: its variable.
const dashboardDataSource = "${DS_PROMETHEUS}"

// TestDashboardQueriesOnlyDocumentedMetrics: every query of deploy/grafana/flotilla.json reads
// metrics docs/observability.md documents, through the DS_PROMETHEUS data source, and every
// documented Flotilla metric has a panel; so the dashboard and the documentation cannot drift.
func TestDashboardQueriesOnlyDocumentedMetrics(t *testing.T) {
	documented := documentedMetrics(t)
	raw, err := os.ReadFile(repoFile(t, "deploy/grafana/flotilla.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("deploy/grafana/flotilla.json: %v", err)
	}
	if d.SchemaVersion < 39 || d.UID == "" {
		t.Errorf("schemaVersion %d, uid %q: want a schema of Grafana 10+ (39) and a fixed uid", d.SchemaVersion, d.UID)
	}
	queries := variableQueries(t, &d)
	panelQueries(t, d.Panels, map[int]string{}, queries)

	used := map[string]bool{}
	for q, where := range queries {
		names := metricName.FindAllString(q, -1)
		if len(names) == 0 {
			t.Errorf("%s: %q reads no Flotilla or controller-runtime metric", where, q)
		}
		for _, name := range names {
			series, ok := seriesOf(name, documented)
			if !ok {
				t.Errorf("%s queries %s, which docs/observability.md does not document", where, name)
				continue
			}
			used[series] = true
		}
	}
	var unused []string
	for name := range documented {
		if strings.HasPrefix(name, "flotilla_") && !used[name] {
			unused = append(unused, name)
		}
	}
	slices.Sort(unused)
	if len(unused) > 0 {
		t.Errorf("documented Flotilla metrics without a panel in the dashboard: %v", unused)
	}
}

// variableQueries checks the dashboard's variables and returns their queries (query → where).
func variableQueries(t *testing.T, d *dashboard) map[string]string {
	t.Helper()
	queries := map[string]string{}
	for _, v := range d.Templating.List {
		switch v.Type {
		case "datasource":
			if v.Name != "DS_PROMETHEUS" {
				t.Errorf("data source variable %q, want DS_PROMETHEUS", v.Name)
			}
		case "query":
			var q struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &q); err != nil {
				t.Errorf("variable %s: query %s: %v", v.Name, v.Query, err)
			}
			if v.Datasource == nil || v.Datasource.UID != dashboardDataSource {
				t.Errorf("variable %s does not use %s", v.Name, dashboardDataSource)
			}
			queries[q.Query] = "variable " + v.Name
		}
	}
	return queries
}

// panelQueries checks the panels (ids, grid, data source) and adds their queries.
func panelQueries(t *testing.T, ps []panel, ids map[int]string, queries map[string]string) {
	t.Helper()
	for _, p := range ps {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.GridPos.X+p.GridPos.W > 24 || p.GridPos.W <= 0 || p.GridPos.H <= 0 {
			t.Errorf("panel %q lies outside the 24-column grid: %+v", p.Title, p.GridPos)
		}
		panelQueries(t, p.Panels, ids, queries)
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != dashboardDataSource || len(p.Targets) == 0 {
			t.Errorf("panel %q: want queries on the %s data source", p.Title, dashboardDataSource)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != dashboardDataSource {
				t.Errorf("panel %q: a query does not use %s", p.Title, dashboardDataSource)
			}
			queries[tg.Expr] = "panel " + p.Title
		}
	}
}
