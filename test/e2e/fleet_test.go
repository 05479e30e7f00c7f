package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

func memberCluster(t *testing.T, name string) (*flotillav1alpha1.MemberCluster, error) {
	t.Helper()
	mc := &flotillav1alpha1.MemberCluster{}
	err := framework.HubClient(t).Get(context.Background(), client.ObjectKey{Name: name}, mc)
	return mc, err
}

func readyStatus(mc *flotillav1alpha1.MemberCluster) metav1.ConditionStatus {
	if c := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.ConditionReady); c != nil {
		return c.Status
	}
	return metav1.ConditionUnknown
}

// sumNodes adds up the simulated nodes' capacity of one member, as planned by the fleet.
func sumNodes(t *testing.T, m devfleet.Cluster) (cpu, mem resource.Quantity) {
	t.Helper()
	for _, n := range m.Nodes {
		cpu.Add(resource.MustParse(n.CPU))
		mem.Add(resource.MustParse(n.Memory))
	}
	return cpu, mem
}

func TestJoinedMembersAreReadyWithTheirNodesAndCapacity(t *testing.T) {
	f := framework.Fleet(t)
	for _, m := range f.Members {
		wantCPU, wantMem := sumNodes(t, m)
		framework.Eventually(t, 90*time.Second, func() error {
			mc, err := memberCluster(t, m.Name)
			if err != nil {
				return err
			}
			if readyStatus(mc) != metav1.ConditionTrue {
				return fmt.Errorf("%s Ready=%s: %v", m.Name, readyStatus(mc), mc.Status.Conditions)
			}
			if got := mc.Status.Nodes; got.Ready != int32(len(m.Nodes)) || got.Total != int32(len(m.Nodes)) {
				return fmt.Errorf("%s nodes %d/%d, want %d/%d", m.Name, got.Ready, got.Total, len(m.Nodes), len(m.Nodes))
			}
			alloc := mc.Status.Resources.Allocatable
			if alloc.Cpu().Cmp(wantCPU) != 0 || alloc.Memory().Cmp(wantMem) != 0 {
				return fmt.Errorf("%s allocatable cpu=%s memory=%s, want %s and %s", m.Name, alloc.Cpu(), alloc.Memory(), &wantCPU, &wantMem)
			}
			if mc.Status.KubernetesVersion == "" || mc.Status.LastProbeTime == nil {
				return fmt.Errorf("%s has no version or probe time yet", m.Name)
			}
			return nil
		})
	}

	// The user's view: `flotilla get clusters` lists every member as Ready with its ready nodes.
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"get", "clusters", "--kubeconfig", f.Hub.KubeconfigPath}, &out, &errOut)
	if code != 0 {
		t.Fatalf("flotilla get clusters exited %d: %s", code, errOut.String())
	}
	for _, m := range f.Members {
		want := fmt.Sprintf("%d/%d", len(m.Nodes), len(m.Nodes))
		if !lineHas(out.String(), m.Name, "True", want, m.Region) {
			t.Errorf("get clusters has no line with %s True %s %s:\n%s", m.Name, want, m.Region, out.String())
		}
	}
}

// lineHas reports whether one line of text holds every field.
func lineHas(text string, fields ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		cols := strings.Fields(line)
		all := true
		for _, f := range fields {
			found := false
			for _, c := range cols {
				found = found || c == f
			}
			all = all && found
		}
		if all {
			return true
		}
	}
	return false
}

// readyRecorder polls a MemberCluster's Ready condition and keeps every distinct value in order.
type readyRecorder struct {
	mu   sync.Mutex
	seen []metav1.ConditionStatus
}

func (r *readyRecorder) record(s metav1.ConditionStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 || r.seen[len(r.seen)-1] != s {
		r.seen = append(r.seen, s)
	}
}

func (r *readyRecorder) history() []metav1.ConditionStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]metav1.ConditionStatus(nil), r.seen...)
}

func TestLostMemberTurnsNotReadyAfterTheThresholdAndReturnsWithoutFlapping(t *testing.T) {
	f := framework.Fleet(t)
	const victim = "member-3"
	framework.Eventually(t, 90*time.Second, func() error {
		mc, err := memberCluster(t, victim)
		if err != nil || readyStatus(mc) != metav1.ConditionTrue {
			return fmt.Errorf("%s not Ready yet (%w)", victim, err)
		}
		return nil
	})

	rec := &readyRecorder{}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if mc, err := memberCluster(t, victim); err == nil {
				rec.record(readyStatus(mc))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	defer func() { stop(); <-done }()

	if err := f.StopComponent(context.Background(), victim, devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = f.StartComponent(context.Background(), victim, devfleet.ComponentAPIServer)
		}
	}()
	framework.Eventually(t, 60*time.Second, func() error {
		mc, err := memberCluster(t, victim)
		if err != nil {
			return err
		}
		rec.record(readyStatus(mc))
		reach := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.ConditionReachable)
		if readyStatus(mc) != metav1.ConditionFalse || reach == nil || reach.Status != metav1.ConditionFalse {
			return fmt.Errorf("%s still Ready=%s Reachable=%v", victim, readyStatus(mc), reach)
		}
		return nil
	})
	// The other members are untouched by one member's loss.
	for _, m := range f.Members {
		if m.Name == victim {
			continue
		}
		if mc, err := memberCluster(t, m.Name); err != nil || readyStatus(mc) != metav1.ConditionTrue {
			t.Errorf("%s lost Ready while %s was down (err %v)", m.Name, victim, err)
		}
	}

	if err := f.StartComponent(context.Background(), victim, devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	restarted = true
	framework.Eventually(t, 2*time.Minute, func() error {
		mc, err := memberCluster(t, victim)
		if err != nil {
			return err
		}
		rec.record(readyStatus(mc)) // every observation belongs to the timeline
		if readyStatus(mc) != metav1.ConditionTrue {
			return fmt.Errorf("%s not Ready again yet", victim)
		}
		return nil
	})
	stop()
	<-done
	waitMemberRunsNewPods(t, victim)
	want := []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionTrue}
	if got := rec.history(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Ready went %v, want exactly %v (no flapping)", got, want)
	}
}

// waitMemberRunsNewPods waits until a member whose API server was restarted runs new pods again
// (its controller-manager resumes watches that the restarted server briefly denied), so that the
// next test finds a working member. It creates and removes a one-replica Deployment.
func waitMemberRunsNewPods(t *testing.T, member string) {
	t.Helper()
	cl := framework.MemberClient(t, member)
	probe := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", GenerateName: "recovered-"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"probe": "recovered"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"probe": "recovered"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "p", Image: "probe"}}},
			},
		},
	}
	framework.Eventually(t, time.Minute, func() error { return cl.Create(context.Background(), probe) })
	defer func() { _ = cl.Delete(context.Background(), probe) }()
	framework.Eventually(t, 3*time.Minute, func() error {
		d := &appsv1.Deployment{}
		if err := cl.Get(context.Background(), client.ObjectKeyFromObject(probe), d); err != nil {
			return err
		}
		if d.Status.ReadyReplicas != 1 {
			return fmt.Errorf("%s does not run new pods yet after its API server restart", member)
		}
		return nil
	})
}
