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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
)

func newHistoryCommand(g *options.Global) *cobra.Command {
	var output string
	var number int64
	cmd := appCommand(g, &cobra.Command{
		Use:   "history APP [--revision N]",
		Short: "List the revisions of an Application's requests and limits made by its ResourcePolicy, oldest first",
		Long: `History lists the revisions of the ResourcePolicy that selects the Application, oldest first:
when, why (Recommendation, Burst, AutoRevert or Revert), by whom, and what changed in the
Application's containers. The current revision is marked * in CURRENT; a revision the controller
reverted because its pods restarted, were OOM-killed or throttled reads "(reverted)" in REASON.

--revision N shows one revision in full: its message with the measured inputs and the requests
and limits of every container of the Application before and after it.`,
		Example: `  flotilla tuning history web -n team-a
  flotilla tuning history web --revision 12
  flotilla tuning history web -o yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output)
			if err != nil {
				return err
			}
			one := cmd.Flags().Changed("revision")
			if one && number < 1 {
				return &options.UsageError{Err: fmt.Errorf("--revision must be a revision number from 1, got %d", number)}
			}
			c, ns, err := g.ClientInNamespace()
			if err != nil {
				return err
			}
			sel, err := Find(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			now := time.Now()
			if !one {
				if format != printers.Table {
					return writeData(g.Out, format, sel.Policy.Status.History)
				}
				PrintHistory(g.Out, sel, now)
				return nil
			}
			rev := revisionOf(sel.Policy, number)
			if rev == nil {
				return notInHistory(sel, number)
			}
			if format != printers.Table {
				return writeData(g.Out, format, rev)
			}
			PrintRevision(g.Out, sel, rev, now)
			return nil
		},
	})
	cmd.Flags().Int64Var(&number, "revision", 0, "show this revision in full: its message and every container's resources before and after")
	addOutputFlag(cmd, &output, "status.history (with --revision: of that revision)")
	return cmd
}

// notInHistory is the error for a revision number the policy's history does not hold.
func notInHistory(sel *Selection, n int64) error {
	return fmt.Errorf("revision %d is not in the history of ResourcePolicy %s (%s); see flotilla tuning history %s",
		n, sel.Policy.Name, historyRange(sel.Policy), sel.App.Name)
}

// PrintHistory writes the policy's revisions, oldest first, one row each: REVISION, CURRENT (*
// for status.currentRevision), AGE, REASON ("(reverted)" added once the controller reverted it),
// ACTOR and CHANGES, the changes of the Application's containers (see Changes).
func PrintHistory(w io.Writer, sel *Selection, now time.Time) {
	p := sel.Policy
	fmt.Fprintf(w, "resourcepolicy.flotilla.dev/%s (mode %s, selects %s by %s)\n", p.Name, mode(p), sel.App.Name, sel.How)
	if len(p.Status.History) == 0 {
		fmt.Fprintf(w, "No revisions yet: %s\n", noRevisionWhy(p))
		return
	}
	revs := append([]flotillav1alpha1.TuningRevision(nil), p.Status.History...)
	sort.SliceStable(revs, func(i, j int) bool { return revs[i].Revision < revs[j].Revision })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCURRENT\tAGE\tREASON\tACTOR\tCHANGES")
	for i := range revs {
		r := &revs[i]
		current := ""
		if r.Revision == p.Status.CurrentRevision {
			current = "*"
		}
		reason := orNone(r.Reason)
		if r.RevertedAt != nil {
			reason += " (reverted)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Revision, current, printers.Age(r.Time, now), reason, orNone(r.Actor), Changes(r, sel.App.Name))
	}
	_ = tw.Flush()
}

// noRevisionWhy says why a policy has no revision yet.
func noRevisionWhy(p *flotillav1alpha1.ResourcePolicy) string {
	if mode(p) == flotillav1alpha1.TuningRecommend {
		return "in Recommend mode the controller only recommends; `flotilla tuning status` shows what Auto would do"
	}
	return "the controller makes one once a recommendation differs enough from the current resources"
}

// PrintRevision writes one revision in full: number, time, reason, actor, message, and the
// tuned values of each of the Application's containers before and after it.
func PrintRevision(w io.Writer, sel *Selection, r *flotillav1alpha1.TuningRevision, now time.Time) {
	p := sel.Policy
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	number := fmt.Sprint(r.Revision)
	if r.Revision == p.Status.CurrentRevision {
		number += " (current)"
	}
	fmt.Fprintf(tw, "Revision:\t%s\n", number)
	fmt.Fprintf(tw, "ResourcePolicy:\t%s\n", p.Name)
	fmt.Fprintf(tw, "Time:\t%s\n", timeAndAge(r.Time, now))
	fmt.Fprintf(tw, "Reason:\t%s\n", orNone(r.Reason))
	fmt.Fprintf(tw, "Actor:\t%s\n", orNone(r.Actor))
	if r.RevertedAt != nil {
		fmt.Fprintf(tw, "Reverted:\t%s\n", timeAndAge(*r.RevertedAt, now))
	}
	fmt.Fprintf(tw, "Message:\t%s\n", orNone(r.Message))
	_ = tw.Flush()

	var others []string
	rows := 0
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Containers of %s:\n", sel.App.Name)
	fmt.Fprintln(tw, "  CONTAINER\tVALUE\tBEFORE\tAFTER\tCHANGE")
	for _, c := range r.Containers {
		if c.Application != sel.App.Name {
			if !slices.Contains(others, c.Application) {
				others = append(others, c.Application)
			}
			continue
		}
		for _, v := range tunedValues {
			qb, okB := v.get(c.Before)
			qa, okA := v.get(c.After)
			if !okB && !okA {
				continue
			}
			rows++
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Container, v.long, quantity(qb, okB), quantity(qa, okA), orNone(Percent(qb, okB, qa, okA)))
		}
	}
	if rows == 0 {
		fmt.Fprintln(w, "  <none>")
	} else {
		_ = tw.Flush()
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "The revision also holds the containers of %s (flotilla tuning history %s --revision %d shows them).\n",
			strings.Join(others, ", "), others[0], r.Revision)
	}
}

// timeAndAge is "2026-01-02T03:04:05Z (5m ago)".
func timeAndAge(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.UTC().Format(time.RFC3339) + " (" + printers.Age(t, now) + " ago)"
}

// mode is the policy's mode, Recommend when unset (the API's default).
func mode(p *flotillav1alpha1.ResourcePolicy) flotillav1alpha1.TuningMode {
	if p.Spec.Mode == "" {
		return flotillav1alpha1.TuningRecommend
	}
	return p.Spec.Mode
}
