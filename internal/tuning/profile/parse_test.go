package profile

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var scrapeTime = time.Date(2024, 11, 24, 10, 0, 0, 0, time.UTC)

// kubeletDocument is what the local fleet's kwok serves on /metrics/resource
// (internal/devfleet/usage/metrics-resource.yaml), with one pod of two containers.
const kubeletDocument = `# HELP container_cpu_usage_seconds_total [ALPHA] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="web",namespace="default",pod="web-7c9-abcde"} 12.5 1732400000000
container_cpu_usage_seconds_total{container="sidecar",namespace="default",pod="web-7c9-abcde"} 0.001 1732400000000
# HELP container_memory_working_set_bytes [ALPHA] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="web",namespace="default",pod="web-7c9-abcde"} 6.7108864e+07 1732400000000
container_memory_working_set_bytes{container="sidecar",namespace="default",pod="web-7c9-abcde"} 0 1732400000000
# HELP container_start_time_seconds [ALPHA] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="web",namespace="default",pod="web-7c9-abcde"} 1.7323e+09 1732400000000
# HELP node_cpu_usage_seconds_total [ALPHA] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 1234.5 1732400000000
# HELP node_memory_working_set_bytes [ALPHA] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.34217728e+08 1732400000000
# HELP scrape_error [ALPHA] 1 if there was an error while getting metrics from the node, 0 otherwise
# TYPE scrape_error gauge
scrape_error 0
`

func TestParseResourceMetrics(t *testing.T) {
	at := time.UnixMilli(1732400000000)
	tests := []struct {
		name string
		in   string
		want []Sample
	}{
		{
			name: "kubelet document with timestamps",
			in:   kubeletDocument,
			want: []Sample{
				{Namespace: "default", Pod: "web-7c9-abcde", Container: "sidecar", CPUSeconds: 0.001, HasCPU: true, MemoryBytes: 0, HasMemory: true, Time: at},
				{Namespace: "default", Pod: "web-7c9-abcde", Container: "web", CPUSeconds: 12.5, HasCPU: true, MemoryBytes: 67108864, HasMemory: true, Time: at},
			},
		},
		{
			name: "no timestamps: the scrape time",
			in: "container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} 3\n" +
				"container_memory_working_set_bytes{container=\"a\",namespace=\"n\",pod=\"p\"} 1024",
			want: []Sample{{Namespace: "n", Pod: "p", Container: "a", CPUSeconds: 3, HasCPU: true, MemoryBytes: 1024, HasMemory: true, Time: scrapeTime}},
		},
		{
			name: "different timestamps make two samples",
			in: "container_memory_working_set_bytes{container=\"a\",namespace=\"n\",pod=\"p\"} 5 2000\n" +
				"container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} 3 1000\n",
			want: []Sample{
				{Namespace: "n", Pod: "p", Container: "a", CPUSeconds: 3, HasCPU: true, Time: time.UnixMilli(1000)},
				{Namespace: "n", Pod: "p", Container: "a", MemoryBytes: 5, HasMemory: true, Time: time.UnixMilli(2000)},
			},
		},
		{
			name: "escaped label values, blanks, tabs, CRLF and a trailing comma",
			in: "\n   \n# a comment\n#\n" +
				"container_cpu_usage_seconds_total { container = \"we\\\"b\\\\\" , namespace=\"n\\ns\",\tpod=\"p\", } \t 1.5e0  \r\n",
			want: []Sample{{Namespace: "n\ns", Pod: "p", Container: "we\"b\\", CPUSeconds: 1.5, HasCPU: true, Time: scrapeTime}},
		},
		{
			name: "quoted metric and label names",
			in:   `{"container_memory_working_set_bytes", "container"="c", namespace="n", pod="p", "other.label"="x"} 7`,
			want: []Sample{{Namespace: "n", Pod: "p", Container: "c", MemoryBytes: 7, HasMemory: true, Time: scrapeTime}},
		},
		{
			name: "unknown series and series without the three labels are skipped",
			in: "some_other_metric{container=\"a\",namespace=\"n\",pod=\"p\"} 1\n" +
				"container_cpu_usage_seconds_total{namespace=\"n\",pod=\"p\"} 1\n" +
				"container_cpu_usage_seconds_total{container=\"\",namespace=\"n\",pod=\"p\"} 1\n" +
				"pod_cpu_usage_seconds_total{namespace=\"n\",pod=\"p\"} 1\n" +
				"scrape_error 0\n",
			want: nil,
		},
		{
			name: "NaN, Inf and negative values are not usable",
			in: "container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} NaN\n" +
				"container_memory_working_set_bytes{container=\"a\",namespace=\"n\",pod=\"p\"} +Inf\n" +
				"container_cpu_usage_seconds_total{container=\"b\",namespace=\"n\",pod=\"p\"} -1\n",
			want: []Sample{
				{Namespace: "n", Pod: "p", Container: "a", Time: scrapeTime},
				{Namespace: "n", Pod: "p", Container: "b", Time: scrapeTime},
			},
		},
		{
			name: "the last of a repeated series wins",
			in: "container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} 1\n" +
				"container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} 2\n",
			want: []Sample{{Namespace: "n", Pod: "p", Container: "a", CPUSeconds: 2, HasCPU: true, Time: scrapeTime}},
		},
		{
			name: "empty document",
			in:   "",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResourceMetrics(strings.NewReader(tt.in), scrapeTime)
			if err != nil {
				t.Fatalf("ParseResourceMetrics: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseResourceMetricsErrors(t *testing.T) {
	const good = "container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} 1\n"
	tests := []struct {
		name string
		in   string
		want string // in the error
	}{
		{"value is not a number", good + "# c\nscrape_error zero\n", "line 3: invalid value"},
		{"missing value", good + "scrape_error\n", "line 2: missing value"},
		{"bad timestamp", good + good + "scrape_error 0 12.5\n", "line 3: invalid timestamp"},
		{"text after the timestamp", "scrape_error 0 12 13\n", "line 1: unexpected"},
		{"unterminated label set", good + `container_cpu_usage_seconds_total{container="a" 1`, "line 2: "},
		{"unterminated quote", `m{a="b} 1`, "line 1: unterminated quoted string"},
		{"bad escape", `m{a="\t"} 1`, "line 1: invalid escape"},
		{"missing comma", `m{a="b" c="d"} 1`, "line 1: expected ','"},
		{"bad label name", `m{1a="b"} 1`, "line 1: invalid label name"},
		{"label twice", `m{a="b",a="c"} 1`, "line 1: label \"a\" given twice"},
		{"no metric name", `{a="b"} 1`, "line 1: missing metric name"},
		{"metric name twice", `m{"n"} 1`, "line 1: metric name given twice"},
		{"bad metric name", "1metric 1\n", "line 1: invalid metric name"},
		{"bad character in name", "met-ric 1\n", "line 1: invalid character"},
		{"invalid UTF-8", "m{a=\"\xff\"} 1", "line 1: quoted string is not valid UTF-8"},
		{"line too long", good + "m " + strings.Repeat("1", maxLineBytes), "line 2: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResourceMetrics(strings.NewReader(tt.in), scrapeTime)
			if err == nil {
				t.Fatalf("no error, samples %+v", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParseResourceMetricsReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ParseResourceMetrics(iotest.ErrReader(boom), scrapeTime)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v does not wrap the reader's", err)
	}
}

func FuzzParseResourceMetrics(f *testing.F) {
	f.Add(kubeletDocument)
	f.Add("container_cpu_usage_seconds_total{container=\"a\\\"\",namespace=\"n\",pod=\"p\",} 3 -5\n")
	f.Add(`{"container_memory_working_set_bytes","container"="c",namespace="n",pod="p"} NaN`)
	f.Add("m{a=\"b\\")
	f.Fuzz(func(t *testing.T, in string) {
		samples, err := ParseResourceMetrics(strings.NewReader(in), scrapeTime)
		if err != nil {
			if samples != nil {
				t.Fatalf("samples with an error")
			}
			if !strings.HasPrefix(err.Error(), "line ") && !strings.HasPrefix(err.Error(), "reading line ") {
				t.Fatalf("error %q does not name the line", err)
			}
			return
		}
		for _, s := range samples {
			if s.Namespace == "" || s.Pod == "" || s.Container == "" {
				t.Fatalf("sample without a name: %+v", s)
			}
			if s.HasCPU && !usable(s.CPUSeconds) || s.HasMemory && !usable(s.MemoryBytes) {
				t.Fatalf("unusable value: %+v", s)
			}
			if math.IsNaN(s.CPUSeconds) || math.IsNaN(s.MemoryBytes) {
				t.Fatalf("NaN kept: %+v", s)
			}
		}
	})
}
