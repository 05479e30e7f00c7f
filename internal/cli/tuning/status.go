package tuning

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// usageStats are the keys of a usage profile's CPU and memory maps, in the order they are shown.
var usageStats = []string{"p50", "p90", "max"}

func newStatusCommand(g *options.Global) *cobra.Command {
	var output string
	cmd := appCommand(g, &cobra.Command{
		Use:   "status APP",
		Short: "Show the ResourcePolicy that tunes an Application and what it recommends for each container",
		Long: `Status shows the ResourcePolicy that selects the Application (by spec.targetRef or by
spec.selector): its mode, its current revision, how many pods run that revision's resources, its
conditions, and for each container of the Application the current and recommended CPU and
memory requests and limits, whether they would change, why, and the usage measured (samples,
P50, P90 and peak).

In Recommend mode nothing is resized: the recommendations are what Auto mode would do.
-o json|yaml prints the ResourcePolicy.`,
		Example: `  flotilla tuning status web -n team-a
  flotilla tuning status web -o yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output)
			if err != nil {
				return err
			}
			c, ns, err := g.ClientInNamespace()
			if err != nil {
				return err
			}
			sel, err := Find(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			if format != printers.Table {
				return printers.Printer{Format: format, Scheme: scheme.Scheme}.Print(g.Out, []client.Object{sel.Policy}, true)
			}
			PrintStatus(g.Out, sel, time.Now())
			return nil
		},
	})
	addOutputFlag(cmd, &output, "the ResourcePolicy")
	return cmd
}

// PrintStatus writes the policy's state and its recommendation for each of the Application's
// containers.
func PrintStatus(w io.Writer, sel *Selection, now time.Time) {
	p, st := sel.Policy, &sel.Policy.Status
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ResourcePolicy:\t%s (selects %s by %s)\n", p.Name, sel.App.Name, sel.How)
	if mode(p) == flotillav1alpha1.TuningRecommend {
		fmt.Fprintf(tw, "Mode:\tRecommend: nothing is resized; the recommendations below are what Auto mode would do\n")
	} else {
		fmt.Fprintf(tw, "Mode:\tAuto: pods are resized in place to the recommendations, batch by batch\n")
	}
	revision := "none yet"
	if st.CurrentRevision > 0 {
		revision = fmt.Sprintf("%d (the history %s)", st.CurrentRevision, strings.TrimPrefix(historyRange(p), "it "))
	}
	fmt.Fprintf(tw, "Revision:\t%s\n", revision)
	pods := fmt.Sprintf("%d total, %d updated, %d pending", st.Pods.Total, st.Pods.Updated, st.Pods.Pending)
	if len(st.Applications) > 1 {
		pods += " (of every Application of the policy: " + strings.Join(st.Applications, ", ") + ")"
	}
	fmt.Fprintf(tw, "Pods:\t%s\n", pods)
	if st.HoldUntil != nil && now.Before(st.HoldUntil.Time) {
		fmt.Fprintf(tw, "Hold:\tno recommended change until %s (%s, after a revert)\n", st.HoldUntil.UTC().Format(time.RFC3339), inFuture(st.HoldUntil.Time, now))
	}
	if to := p.Annotations[flotillav1alpha1.AnnotationTuningRevert]; to != "" {
		fmt.Fprintf(tw, "Revert:\tto %q asked by %s, waiting for the controller\n", to, orNone(p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy]))
	}
	if len(st.Conditions) == 0 {
		fmt.Fprintf(tw, "Conditions:\t<none>\n")
	} else {
		fmt.Fprintf(tw, "Conditions:\n  TYPE\tSTATUS\tREASON\tAGE\tMESSAGE\n")
		for _, c := range st.Conditions {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Type, c.Status, c.Reason, printers.Age(c.LastTransitionTime, now), c.Message)
		}
	}
	if len(st.Failures) > 0 {
		fmt.Fprintf(tw, "Failures:\n  CLUSTER\tPOD\tATTEMPTS\tNEXT-RETRY\tMESSAGE\n")
		for _, f := range st.Failures {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", f.Cluster, f.Pod, f.Attempts, inFuture(f.RetryAt.Time, now), f.Message)
		}
	}
	_ = tw.Flush()

	recs := recommendationsOf(p, sel.App.Name)
	if len(recs) == 0 {
		fmt.Fprintf(w, "\nNo recommendation for the containers of %s yet: %s\n", sel.App.Name, profilingWhy(p))
		return
	}
	for i := range recs {
		printRecommendation(w, &recs[i], mode(p), now)
	}
}

// recommendationsOf returns the policy's recommendations for the containers of app, in order.
func recommendationsOf(p *flotillav1alpha1.ResourcePolicy, app string) []flotillav1alpha1.TuningRecommendation {
	var out []flotillav1alpha1.TuningRecommendation
	for _, r := range p.Status.Recommendations {
		if r.Application == app {
			out = append(out, r)
		}
	}
	return out
}

// profilingWhy is the message of the Profiling condition, or why there is none.
func profilingWhy(p *flotillav1alpha1.ResourcePolicy) string {
	if c := meta.FindStatusCondition(p.Status.Conditions, flotillav1alpha1.ConditionProfiling); c != nil && c.Message != "" {
		return c.Message
	}
	return "the controller has not profiled them (is it running?)"
}

// printRecommendation writes one container's current and recommended values, its verdict
// ("would change" in Recommend mode, "will change" in Auto, or "no change"), the reasons and
// the usage profile.
func printRecommendation(w io.Writer, r *flotillav1alpha1.TuningRecommendation, m flotillav1alpha1.TuningMode, now time.Time) {
	verdict := "no change"
	switch {
	case r.Changed && m == flotillav1alpha1.TuningRecommend:
		verdict = "would change"
	case r.Changed:
		verdict = "will change"
	}
	fmt.Fprintf(w, "\nContainer %s: %s\n", r.Container, verdict)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VALUE\tCURRENT\tRECOMMENDED\tCHANGE")
	for _, v := range tunedValues {
		qc, okC := v.get(r.Current)
		qr, okR := v.get(r.Recommended)
		if !okC && !okR {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", v.long, quantity(qc, okC), quantity(qr, okR), orNone(Percent(qc, okC, qr, okR)))
	}
	_ = tw.Flush()
	if len(r.Reasons) > 0 {
		fmt.Fprintln(w, "  Reasons:")
		for _, reason := range r.Reasons {
			fmt.Fprintf(w, "    - %s\n", reason)
		}
	}
	since := ""
	if r.Usage.Since != nil {
		since = " since " + timeAndAge(*r.Usage.Since, now)
	}
	fmt.Fprintf(w, "  Usage: %d samples%s\n", r.Usage.Samples, since)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, u := range []struct {
		name  string
		stats map[string]string
	}{{"cpu", r.Usage.CPU}, {"memory", r.Usage.Memory}} {
		if len(u.stats) > 0 {
			fmt.Fprintf(tw, "    %s\t%s\n", u.name, stats(u.stats))
		}
	}
	_ = tw.Flush()
}

// stats prints a usage map: p50, p90 and max first, then any other key in order.
func stats(m map[string]string) string {
	var parts []string
	for _, k := range usageStats {
		if v, ok := m[k]; ok {
			parts = append(parts, k+" "+v)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(usageStats, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, k+" "+m[k])
	}
	return strings.Join(parts, "  ")
}

// inFuture is "in 30s" for a time after now, "due" otherwise.
func inFuture(t, now time.Time) string {
	if t.IsZero() || !t.After(now) {
		return "due"
	}
	return "in " + duration.HumanDuration(t.Sub(now))
}
