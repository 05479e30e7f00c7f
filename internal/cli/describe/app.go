package describe

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// MaxEvents and MaxRevisions bound the lists the page shows.
const (
	MaxEvents    = 15
	MaxRevisions = 5
)

// Input is what the page shows.
type Input struct {
	App       *flotillav1alpha1.Application
	Revisions []flotillav1alpha1.ApplicationRevision // newest first
	Events    []corev1.Event
	Now       time.Time
}

// App writes the description of an Application.
func App(out io.Writer, in Input) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	app, st := in.App, &in.App.Status
	fmt.Fprintf(w, "Name:\t%s\n", app.Name)
	fmt.Fprintf(w, "Namespace:\t%s\n", app.Namespace)
	fmt.Fprintf(w, "Revision:\t%s\n", currentRevision(in))
	if st.Workload != nil {
		fmt.Fprintf(w, "Workload:\t%s %s (%s)\n", st.Workload.Kind, st.Workload.Name, st.Workload.APIVersion)
	}
	fmt.Fprintf(w, "Replicas:\t%d desired, %d ready, %d updated, %d available\n", st.Replicas, st.ReadyReplicas, st.UpdatedReplicas, st.AvailableReplicas)
	fmt.Fprintf(w, "Placement:\t%s\n", placement(&app.Spec.Placement))
	fmt.Fprintf(w, "Failover:\t%s\n", failoverPolicy(app.Spec.Failover))
	fmt.Fprintf(w, "Generation:\t%d (observed %d)\n", app.Generation, st.ObservedGeneration)
	section(w, "Conditions", "TYPE\tSTATUS\tREASON\tAGE\tMESSAGE", len(st.Conditions), func(i int) string {
		c := st.Conditions[i]
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", c.Type, c.Status, c.Reason, age(c.LastTransitionTime, in.Now), c.Message)
	})
	section(w, "Clusters", "NAME\tDESIRED\tREADY\tUPDATED\tAVAILABLE\tREACHABLE\tREVISION\tREASON\tMESSAGE", len(st.Clusters), func(i int) string {
		c := st.Clusters[i]
		return fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s", c.Name, c.Replicas, c.ReadyReplicas, c.UpdatedReplicas,
			c.AvailableReplicas, orNone(string(c.Reachable)), orNone(c.AppliedRevision), orNone(c.Reason), c.Message)
	})
	if len(st.Evictions) > 0 {
		section(w, "Evictions", "CLUSTER\tREPLICAS\tSINCE", len(st.Evictions), func(i int) string {
			e := st.Evictions[i]
			return fmt.Sprintf("%s\t%d\t%s ago", e.Cluster, e.Replicas, age(e.Since, in.Now))
		})
	}
	revs := in.Revisions[:min(len(in.Revisions), MaxRevisions)]
	section(w, "Revisions", "REVISION\tNAME\tAGE\tCHANGE-CAUSE", len(revs), func(i int) string {
		r := revs[i]
		return fmt.Sprintf("%d\t%s\t%s\t%s", r.Spec.Revision, r.Name, age(r.CreationTimestamp, in.Now), orNone(r.Spec.ChangeCause))
	})
	events := recent(in.Events)
	section(w, "Events", "TYPE\tREASON\tAGE\tMESSAGE", len(events), func(i int) string {
		e := events[i]
		return fmt.Sprintf("%s\t%s\t%s\t%s", e.Type, e.Reason, age(metav1.NewTime(eventTime(e)), in.Now), strings.TrimSpace(e.Message))
	})
	return w.Flush()
}

// section writes a titled table, or "<none>".
func section(w io.Writer, title, header string, n int, row func(int) string) {
	if n == 0 {
		fmt.Fprintf(w, "%s:\t<none>\n", title)
		return
	}
	fmt.Fprintf(w, "%s:\n  %s\n", title, header)
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "  %s\n", row(i))
	}
}

func currentRevision(in Input) string {
	name := in.App.Status.CurrentRevision
	if name == "" {
		return "<none yet>"
	}
	for _, r := range in.Revisions {
		if r.Name == name {
			return fmt.Sprintf("%d (%s)", r.Spec.Revision, name)
		}
	}
	return name
}

func placement(p *flotillav1alpha1.Placement) string {
	rs := p.ReplicaScheduling
	s := string(rs.Type)
	if s == "" {
		s = string(flotillav1alpha1.ReplicaSchedulingDuplicated)
	}
	if rs.Type == flotillav1alpha1.ReplicaSchedulingDivided {
		div := rs.Division
		if div == "" {
			div = flotillav1alpha1.ReplicaDivisionStaticWeights
		}
		s += " by " + string(div)
	}
	var where []string
	if len(p.ClusterNames) > 0 {
		where = append(where, "clusters "+strings.Join(p.ClusterNames, ","))
	}
	if p.ClusterSelector != nil {
		where = append(where, "selector "+metav1.FormatLabelSelector(p.ClusterSelector))
	}
	if len(where) == 0 {
		where = append(where, "all clusters")
	}
	if p.Spread != nil {
		where = append(where, fmt.Sprintf("spread %d..%d clusters", p.Spread.MinClusters, p.Spread.MaxClusters))
	}
	return s + ", " + strings.Join(where, ", ")
}

func failoverPolicy(f *flotillav1alpha1.FailoverPolicy) string {
	if f == nil {
		return "disabled (a lost cluster keeps its replicas until it returns)"
	}
	return fmt.Sprintf("after %ds lost, at most %d eviction(s)/min, fail back %s", f.TolerationSeconds, f.MaxEvictionsPerMinute, orNone(string(f.FailBack)))
}

// recent returns the newest events first, at most MaxEvents.
func recent(events []corev1.Event) []corev1.Event {
	out := append([]corev1.Event(nil), events...)
	sort.SliceStable(out, func(i, j int) bool { return eventTime(out[i]).After(eventTime(out[j])) })
	return out[:min(len(out), MaxEvents)]
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
