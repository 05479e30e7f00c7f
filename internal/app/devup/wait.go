package devup

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
)

// waitMembersReady waits until every member's MemberCluster is Ready, printing who is still
// pending every few seconds.
func waitMembersReady(ctx context.Context, hub client.Client, f *devfleet.Fleet, o Options) error {
	want := make([]string, 0, len(f.Members))
	for _, m := range f.Members {
		want = append(want, m.Name)
	}
	var pending []string
	lastPrint := time.Time{}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, o.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		var list flotillav1alpha1.MemberClusterList
		if err := hub.List(ctx, &list); err != nil {
			return false, nil //nolint:nilerr // the hub may be busy; keep polling until the timeout
		}
		pending = notReady(want, list.Items)
		if len(pending) > 0 && time.Since(lastPrint) > 5*time.Second {
			fmt.Fprintf(o.Out, "waiting for members to be Ready: %s\n", strings.Join(pending, ", "))
			lastPrint = time.Now()
		}
		return len(pending) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("members not Ready after %s: %s (see 'flotilla get clusters -o wide' and the controller log in 'flotilla dev status')", o.WaitTimeout, strings.Join(pending, ", "))
	}
	fmt.Fprintf(o.Out, "all %d members are Ready\n", len(want))
	return nil
}

// notReady returns the names in want whose MemberCluster is missing or not Ready, sorted.
func notReady(want []string, have []flotillav1alpha1.MemberCluster) []string {
	ready := map[string]bool{}
	for i := range have {
		ready[have[i].Name] = meta.IsStatusConditionTrue(have[i].Status.Conditions, flotillav1alpha1.ConditionReady)
	}
	var out []string
	for _, n := range want {
		if !ready[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// available reports whether the Application's Available condition is True for its current generation.
func available(app *flotillav1alpha1.Application) bool {
	c := meta.FindStatusCondition(app.Status.Conditions, flotillav1alpha1.ConditionAvailable)
	return c != nil && c.Status == metav1.ConditionTrue && app.Status.ObservedGeneration == app.Generation
}
