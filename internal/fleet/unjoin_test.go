package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/fleet/join"
	"flotilla.dev/flotilla/test/poll"
)

func TestUnjoinRemovesFlotillaObjectsInTheMemberThenTheHubObjects(t *testing.T) {
	ctx := context.Background()
	_, hubCfg := startEnv(t, true)
	hub := hubClient(t, hubCfg)
	m := startMember(t)
	var logs syncBuffer
	reg := startFleet(t, hubCfg, fastOptions(), &logs)
	if _, err := join.Join(ctx, hub, join.Options{Name: "gone", Kubeconfig: m.kubeconfig(t, "")}); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 30*time.Second, func() error {
		if _, err := reg.Client(ctx, "gone"); err != nil {
			return err
		}
		return nil
	})
	managed := map[string]string{flotillav1alpha1.LabelManagedBy: flotillav1alpha1.ManagedByFlotilla}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: managed}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "flotilla-made", Labels: managed}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "users-own"}},
	}
	for _, o := range objs {
		if err := m.admin.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	plan, err := join.PlanUnjoin(ctx, hub, "gone", "", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.MemberCluster || plan.Secret == nil || plan.MemberUnreachable != nil || len(plan.MemberObjects) != 2 {
		t.Fatalf("plan: %+v", plan)
	}
	if last := plan.MemberObjects[len(plan.MemberObjects)-1]; last.Kind.Kind != "Namespace" {
		t.Fatalf("namespaces must be deleted last, plan ends with %s", last)
	}
	if err := join.Unjoin(ctx, hub, plan); err != nil {
		t.Fatal(err)
	}

	if err := m.admin.Get(ctx, client.ObjectKey{Namespace: "default", Name: "flotilla-made"}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("managed ConfigMap still there: %v", err)
	}
	if err := m.admin.Get(ctx, client.ObjectKey{Namespace: "default", Name: "users-own"}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("unjoin touched an object Flotilla did not create: %v", err)
	}
	var ns corev1.Namespace
	if err := m.admin.Get(ctx, client.ObjectKey{Name: "shop"}, &ns); err == nil && ns.DeletionTimestamp.IsZero() {
		t.Error("managed namespace not deleted")
	}
	assertNothingCreated(ctx, t, hub, "gone")
	poll.Until(t, 10*time.Second, func() error {
		if _, err := reg.Client(ctx, "gone"); !errors.Is(err, fleet.ErrClusterNotConnected) {
			return fmt.Errorf("registry still serves the unjoined member: %w", err)
		}
		return nil
	})
	if _, err := join.PlanUnjoin(ctx, hub, "gone", "", time.Second); !errors.Is(err, join.ErrNotJoined) {
		t.Fatalf("planning to unjoin an unknown cluster: %v", err)
	}
}
