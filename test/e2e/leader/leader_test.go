// Package leader holds the end-to-end test of the controller's high availability: two
// `flotilla controller --leader-elect` processes against one hub (and two members), one active.
// Killing the active one hands the Lease to the other, which carries on without doing again
// what the first one did.
package leader

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

// The election is tuned short so the test is quick: a leader that stops renewing loses the
// Lease after leaseDuration.
const (
	leaseDuration = 6 * time.Second
	renewDeadline = 4 * time.Second
	retryPeriod   = 1 * time.Second
	leaseName     = "flotilla-controller"
)

var controllers = []string{"flotilla-controller-a", "flotilla-controller-b"}

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 2, AfterUp: startControllers}))
}

// startControllers builds flotilla, joins the members and runs two controllers with leader
// election as processes of the fleet.
func startControllers(ctx context.Context, f *devfleet.Fleet) error {
	bin := filepath.Join(f.Home, "flotilla")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "flotilla.dev/flotilla/cmd/flotilla")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building flotilla: %w\n%s", err, out)
	}
	if err := framework.JoinMembers(ctx, f); err != nil {
		return err
	}
	kubeconfig := f.Hub.KubeconfigPath
	for _, name := range controllers {
		if err := f.EnsureHubProcess(ctx, devfleet.HubProcess{
			Name: name, Binary: bin,
			// Ready as soon as it runs: a follower waits for the Lease.
			HealthPath: "/healthz",
			Args: func(health, metrics int, _ ...int) []string {
				return []string{"controller", "--kubeconfig", kubeconfig,
					"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(health),
					"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics),
					"--leader-elect", "--leader-elect-namespace", flotillav1alpha1.SystemNamespace,
					"--leader-elect-lease-duration", leaseDuration.String(), "--leader-elect-renew-deadline", renewDeadline.String(),
					"--leader-elect-retry-period", retryPeriod.String(),
					"--cluster-probe-interval", "1s", "--cluster-failure-threshold", "6s", "--cluster-success-threshold", "4s"}
			},
		}); err != nil {
			return err
		}
	}
	return nil
}

// leading says whether a controller process holds the Lease, from its own metrics
// (leader_election_master_status is 1 on the leader).
func leading(t *testing.T, name string) bool {
	t.Helper()
	comp, ok := framework.Fleet(t).Hub.Component(name)
	if !ok {
		t.Fatalf("no process %s", name)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(comp.Ports[1])+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "leader_election_master_status{") && strings.Contains(line, `name="`+leaseName+`"`) {
			return strings.HasSuffix(line, " 1")
		}
	}
	return false
}

// leader waits for exactly one controller to lead and returns it and the other.
func leader(t *testing.T, within time.Duration) (active, standby string) {
	t.Helper()
	framework.Eventually(t, within, func() error {
		var leaders []string
		for _, c := range controllers {
			if leading(t, c) {
				leaders = append(leaders, c)
			}
		}
		if len(leaders) != 1 {
			return fmt.Errorf("leaders: %v", leaders)
		}
		active = leaders[0]
		return nil
	})
	for _, c := range controllers {
		if c != active {
			standby = c
		}
	}
	return active, standby
}

func lease(t *testing.T) *coordinationv1.Lease {
	t.Helper()
	l := &coordinationv1.Lease{}
	if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: flotillav1alpha1.SystemNamespace, Name: leaseName}, l); err != nil {
		t.Fatal(err)
	}
	return l
}

func kill(t *testing.T, name string) {
	t.Helper()
	comp, _ := framework.Fleet(t).Hub.Component(name)
	raw, err := os.ReadFile(comp.PIDPath)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing %s (pid %d): %v", name, pid, err)
	}
}

// revisionsOf counts an Application's ApplicationRevisions and its RevisionCreated events.
func revisionsOf(t *testing.T, ns, name string) (revs, created int) {
	t.Helper()
	var list flotillav1alpha1.ApplicationRevisionList
	if err := framework.HubClient(t).List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: name}); err != nil {
		t.Fatal(err)
	}
	var evs eventsv1.EventList
	if err := framework.HubClient(t).List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs.Items {
		if e.Reason == "RevisionCreated" && e.Regarding.Name == name {
			created++
			if e.Series != nil {
				created += int(e.Series.Count) - 1
			}
		}
	}
	return len(list.Items), created
}

// running waits until the members run the app's image, replicas ready, in every member.
func running(t *testing.T, ns, name, image string) {
	t.Helper()
	framework.Eventually(t, 2*time.Minute, func() error {
		for m, cl := range framework.MemberClients(t) {
			d := &appsv1.Deployment{}
			if err := cl.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, d); err != nil {
				return fmt.Errorf("%s: %w", m, err)
			}
			if got := d.Spec.Template.Spec.Containers[0].Image; got != image || d.Status.ReadyReplicas != 2 {
				return fmt.Errorf("%s runs %s with %d ready", m, got, d.Status.ReadyReplicas)
			}
		}
		return nil
	})
}

func TestKillingTheLeaderHandsOverWithoutDoingAnythingTwice(t *testing.T) {
	ctx := context.Background()
	active, standby := leader(t, time.Minute)
	t.Logf("%s leads, %s stands by (Lease holder %s)", active, standby, *lease(t).Spec.HolderIdentity)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "leader-"}}
	if err := framework.HubClient(t).Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), ns) })
	app := framework.WebApplication(t, ns.Name, "web", 2, corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}}, nil)
	app.Spec.Placement.ReplicaScheduling = flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDuplicated}
	if err := framework.HubClient(t).Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	running(t, ns.Name, "web", "example.com/web:v1")
	if revs, created := revisionsOf(t, ns.Name, "web"); revs != 1 || created != 1 {
		t.Fatalf("%d revisions and %d RevisionCreated events before the handover, want 1 and 1", revs, created)
	}
	if leading(t, standby) {
		t.Fatalf("both controllers lead")
	}

	// The leader dies without releasing the Lease: the standby takes it once it expires.
	killed := time.Now()
	kill(t, active)
	var took time.Duration
	framework.Eventually(t, 4*leaseDuration, func() error {
		if !leading(t, standby) {
			return fmt.Errorf("%s does not lead yet", standby)
		}
		took = time.Since(killed)
		return nil
	})
	t.Logf("%s took over %s after %s was killed (lease %s, retry %s)", standby, took.Round(100*time.Millisecond), active, leaseDuration, retryPeriod)
	if took > leaseDuration+renewDeadline+2*retryPeriod {
		t.Errorf("the handover took %s, longer than the lease (%s) plus a renew deadline and two retries", took, leaseDuration)
	}

	// The new leader carries on: a new version is released once, and what the first leader
	// did is not done again.
	patch := client.RawPatch(types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/resources/0/spec/template/spec/containers/0/image","value":"example.com/web:v2"}]`))
	if err := framework.HubClient(t).Patch(ctx, app, patch); err != nil {
		t.Fatal(err)
	}
	running(t, ns.Name, "web", "example.com/web:v2")
	time.Sleep(3 * time.Second) // time for a duplicate, if there were one
	revs, created := revisionsOf(t, ns.Name, "web")
	if revs != 2 || created != 2 {
		t.Errorf("%d revisions and %d RevisionCreated events after the handover, want 2 and 2: an action was taken twice", revs, created)
	}
	cur := &flotillav1alpha1.Application{}
	if err := framework.HubClient(t).Get(ctx, client.ObjectKeyFromObject(app), cur); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(cur.Status.Conditions)
	if cur.Status.ReadyReplicas != 4 {
		t.Errorf("after the handover the Application reports %d ready replicas, want 4: %s", cur.Status.ReadyReplicas, raw)
	}
	// The killed controller comes back as a standby.
	if err := framework.Fleet(t).StartComponent(ctx, devfleet.RoleHub, active); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * retryPeriod)
	if a, _ := leader(t, 30*time.Second); a != standby {
		t.Errorf("the restarted %s took the Lease back from %s", active, standby)
	}
}
