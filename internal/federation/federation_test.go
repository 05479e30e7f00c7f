package federation_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/examples"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/federation/revision"
	"flotilla.dev/flotilla/test/poll"
)

const timeout = 30 * time.Second

func manifests(image, config string) []flotillav1alpha1.Manifest {
	raw := []string{
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":6,
		  "selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
		  "spec":{"containers":[{"name":"web","image":"` + image + `","resources":{"requests":{"cpu":"100m"}}}]}}}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-config"},"data":{"greeting":"` + config + `"}}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}`,
	}
	out := make([]flotillav1alpha1.Manifest, len(raw))
	for i, r := range raw {
		out[i] = flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(r)}}
	}
	return out
}

func newApp(ns, name string, typ flotillav1alpha1.ReplicaSchedulingType) *flotillav1alpha1.Application {
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	app.Spec.Resources = manifests("registry.example.com/web:v1", "hello")
	app.Spec.Placement.ReplicaScheduling.Type = typ
	return app
}

func createNamespace(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// deployment reads the member's copy of the web Deployment.
func deployment(ctx context.Context, c client.Client, ns string) (*appsv1.Deployment, error) {
	d := &appsv1.Deployment{}
	return d, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, d)
}

// wantMemberReplicas checks the Deployment's replicas and image in every named member.
func wantMember(ctx context.Context, env *fleetEnv, ns string, replicas map[string]int32, image string) func() error {
	return func() error {
		for name, want := range replicas {
			d, err := deployment(ctx, env.members[name], ns)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if got := *d.Spec.Replicas; got != want {
				return fmt.Errorf("%s: replicas %d, want %d", name, got, want)
			}
			if got := d.Spec.Template.Spec.Containers[0].Image; got != image {
				return fmt.Errorf("%s: image %s, want %s", name, got, image)
			}
		}
		return nil
	}
}

// markReady writes the Deployment status a kubelet and controller-manager would, in each member.
func markReady(ctx context.Context, t *testing.T, env *fleetEnv, ns string, members ...string) {
	t.Helper()
	for _, name := range members {
		poll.Until(t, timeout, func() error {
			d, err := deployment(ctx, env.members[name], ns)
			if err != nil {
				return err
			}
			n := *d.Spec.Replicas
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, ReadyReplicas: n, UpdatedReplicas: n, AvailableReplicas: n}
			return env.members[name].Status().Update(ctx, d)
		})
	}
}

func getApp(ctx context.Context, env *fleetEnv, ns, name string) (*flotillav1alpha1.Application, error) {
	app := &flotillav1alpha1.Application{}
	return app, env.hub.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app)
}

// update applies change to the Application, retrying on conflicts.
func update(ctx context.Context, t *testing.T, env *fleetEnv, ns, name string, change func(*flotillav1alpha1.Application)) {
	t.Helper()
	poll.Until(t, timeout, func() error {
		app, err := getApp(ctx, env, ns, name)
		if err != nil {
			return err
		}
		change(app)
		return env.hub.Update(ctx, app)
	})
}

func TestApplicationsAcrossTwoMembers(t *testing.T) {
	env := startFleet(t, "member-1", "member-2")
	t.Run("divided replicas land 3+3 with dependencies, and readiness flows back", func(t *testing.T) { dividedLands(t, env) })
	t.Run("duplicated replicas land 6+6", func(t *testing.T) { duplicatedLands(t, env) })
	t.Run("a ConfigMap change reaches every cluster", func(t *testing.T) { configChangeReachesAll(t, env) })
	t.Run("undo restores a revision everywhere", func(t *testing.T) { undoRestores(t, env) })
	t.Run("deleting the Application cleans every member", func(t *testing.T) { deletionCleans(t, env) })
	t.Run("a member's rejection shows in status while the other member gets the app", func(t *testing.T) { rejectionIsolated(t, env) })
	t.Run("an override that does not apply is InvalidSpec", func(t *testing.T) { invalidSpec(t, env) })
	t.Run("the sample application is accepted and divided by capacity", func(t *testing.T) { sampleLands(t, env) })
	t.Run("a lost member's replicas move, its copy goes when it returns", func(t *testing.T) { failoverMoves(t, env) })
	t.Run("deleting while a member is lost waits for it, then cleans it", func(t *testing.T) { deletionWaitsForLostMember(t, env) })
	t.Run("the CLI applies, lists, describes and undoes", func(t *testing.T) { cliJourney(t, env) })
	t.Run("an Application re-created under the same name starts a fresh history", func(t *testing.T) { recreated(t, env) })
	t.Run("an override's replicas are what status expects", func(t *testing.T) { overrideReplicas(t, env) })
	t.Run("moving clusters removes the old copy only once the new one is ready", func(t *testing.T) { moveIsMakeBeforeBreak(t, env) })
}

func dividedLands(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "divided"
	createNamespace(ctx, t, env.hub, ns)
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 3, "member-2": 3}, "registry.example.com/web:v1"))
	for name, m := range env.members {
		cm, svc := &corev1.ConfigMap{}, &corev1.Service{}
		if err := m.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-config"}, cm); err != nil {
			t.Fatalf("%s: ConfigMap: %v", name, err)
		}
		if err := m.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, svc); err != nil {
			t.Fatalf("%s: Service: %v", name, err)
		}
		if cm.Labels[flotillav1alpha1.LabelApplication] != "shop" || cm.Labels[flotillav1alpha1.LabelManagedBy] != "flotilla" {
			t.Errorf("%s: ConfigMap labels %v", name, cm.Labels)
		}
	}
	markReady(ctx, t, env, ns, "member-1", "member-2")
	poll.Until(t, timeout, func() error {
		app, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		if app.Status.Replicas != 6 || app.Status.ReadyReplicas != 6 || !meta.IsStatusConditionTrue(app.Status.Conditions, flotillav1alpha1.ConditionAvailable) ||
			!meta.IsStatusConditionTrue(app.Status.Conditions, flotillav1alpha1.ConditionApplied) || app.Status.ObservedGeneration != app.Generation {
			return fmt.Errorf("status %+v", app.Status)
		}
		return nil
	})
}

func duplicatedLands(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "duplicated"
	createNamespace(ctx, t, env.hub, ns)
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDuplicated)); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 6, "member-2": 6}, "registry.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		app, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		if app.Status.Replicas != 12 || len(app.Status.Clusters) != 2 {
			return fmt.Errorf("status replicas %d clusters %+v, want 12 over 2", app.Status.Replicas, app.Status.Clusters)
		}
		return nil
	})
}

func configChangeReachesAll(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "config"
	createNamespace(ctx, t, env.hub, ns)
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)); err != nil {
		t.Fatal(err)
	}
	wantGreeting := func(want string) func() error {
		return func() error {
			for name, m := range env.members {
				cm := &corev1.ConfigMap{}
				if err := m.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-config"}, cm); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if cm.Data["greeting"] != want {
					return fmt.Errorf("%s: greeting %q, want %q", name, cm.Data["greeting"], want)
				}
			}
			return nil
		}
	}
	poll.Until(t, timeout, wantGreeting("hello"))
	update(ctx, t, env, ns, "shop", func(a *flotillav1alpha1.Application) {
		a.Spec.Resources = manifests("registry.example.com/web:v1", "bonjour")
	})
	poll.Until(t, timeout, wantGreeting("bonjour"))
	poll.Until(t, timeout, func() error {
		revs, err := revisions(ctx, env, ns)
		if err != nil || len(revs) != 2 {
			return fmt.Errorf("revisions %v (%w), want 2", revs, err)
		}
		return nil
	})
}

func revisions(ctx context.Context, env *fleetEnv, ns string) (map[string]int64, error) {
	var list flotillav1alpha1.ApplicationRevisionList
	if err := env.hub.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range list.Items {
		out[r.Name] = r.Spec.Revision
	}
	return out, nil
}

func undoRestores(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "undo"
	createNamespace(ctx, t, env.hub, ns)
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)); err != nil {
		t.Fatal(err)
	}
	all := map[string]int32{"member-1": 3, "member-2": 3}
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v1"))
	var first string
	poll.Until(t, timeout, func() error {
		app, err := getApp(ctx, env, ns, "shop")
		first = app.Status.CurrentRevision
		if err == nil && first == "" {
			err = fmt.Errorf("no current revision yet")
		}
		return err
	})
	update(ctx, t, env, ns, "shop", func(a *flotillav1alpha1.Application) {
		a.Spec.Resources = manifests("registry.example.com/web:v2", "hello")
	})
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v2"))

	// What `flotilla rollout undo shop` does: copy the previous revision back.
	update(ctx, t, env, ns, "shop", func(a *flotillav1alpha1.Application) {
		var list flotillav1alpha1.ApplicationRevisionList
		if err := env.hub.List(ctx, &list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		prev, err := revision.Find(list.Items, revision.CurrentName(a), 0)
		if err != nil {
			t.Fatal(err)
		}
		revision.Restore(a, prev)
	})
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		revs, err := revisions(ctx, env, ns)
		if err != nil || revs[first] != 3 || len(revs) != 2 {
			return fmt.Errorf("revisions %v (%w): want %s re-numbered 3, two in all", revs, err, first)
		}
		return nil
	})
}

func deletionCleans(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "deletion"
	createNamespace(ctx, t, env.hub, ns)
	app := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDuplicated)
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 6, "member-2": 6}, "registry.example.com/web:v1"))
	if err := env.hub.Delete(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, func() error {
		if _, err := getApp(ctx, env, ns, "shop"); !apierrors.IsNotFound(err) {
			return fmt.Errorf("application still there (%w)", err)
		}
		for name, m := range env.members {
			for _, list := range []client.ObjectList{&appsv1.DeploymentList{}, &corev1.ConfigMapList{}, &corev1.ServiceList{}} {
				if err := m.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{flotillav1alpha1.LabelApplication: "shop"}); err != nil {
					return err
				}
				if n := meta.LenList(list); n != 0 {
					return fmt.Errorf("%s still holds %d %T", name, n, list)
				}
			}
		}
		return nil
	})
}

func rejectionIsolated(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "rejection"
	createNamespace(ctx, t, env.hub, ns)
	// member-2 already has an immutable ConfigMap of that name: it rejects Flotilla's change.
	createNamespace(ctx, t, env.members["member-2"], ns)
	immutable := true
	if err := env.members["member-2"].Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-config"},
		Data: map[string]string{"greeting": "frozen"}, Immutable: &immutable}); err != nil {
		t.Fatal(err)
	}
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 3}, "registry.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		app, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		applied := meta.FindStatusCondition(app.Status.Conditions, flotillav1alpha1.ConditionApplied)
		for _, c := range app.Status.Clusters {
			if c.Name == "member-2" && strings.Contains(c.Message, "immutable") && c.Reason == flotillav1alpha1.ReasonApplyFailed &&
				applied != nil && applied.Reason == flotillav1alpha1.ReasonApplyFailed {
				return nil
			}
		}
		return fmt.Errorf("no rejection recorded for member-2: %+v", app.Status)
	})
	if _, err := deployment(ctx, env.members["member-2"], ns); !apierrors.IsNotFound(err) {
		t.Fatalf("member-2 got the workload although its dependency was rejected (%v)", err)
	}
}

func invalidSpec(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "invalid"
	createNamespace(ctx, t, env.hub, ns)
	app := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)
	app.Spec.Overrides = []flotillav1alpha1.ClusterOverride{{Image: &flotillav1alpha1.ImageOverride{Container: "db", Tag: "v2"}}}
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, func() error {
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.ConditionScheduled)
		if c == nil || c.Reason != flotillav1alpha1.ReasonInvalidSpec || !strings.Contains(c.Message, "spec.overrides[0].image.container") {
			return fmt.Errorf("Scheduled condition %+v", c)
		}
		return nil
	})
	if _, err := deployment(ctx, env.members["member-1"], ns); !apierrors.IsNotFound(err) {
		t.Fatalf("an invalid Application reached member-1 (%v)", err)
	}
}

func moveIsMakeBeforeBreak(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "move"
	createNamespace(ctx, t, env.hub, ns)
	app := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDuplicated)
	app.Spec.Placement.ClusterNames = []string{"member-2"}
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-2": 6}, "registry.example.com/web:v1"))
	markReady(ctx, t, env, ns, "member-2")
	update(ctx, t, env, ns, "shop", func(a *flotillav1alpha1.Application) { a.Spec.Placement.ClusterNames = []string{"member-1"} })
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 6}, "registry.example.com/web:v1"))
	if _, err := deployment(ctx, env.members["member-2"], ns); err != nil {
		t.Fatalf("member-2's copy went before member-1's was ready: %v", err)
	}
	poll.Until(t, timeout, func() error {
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		for _, c := range got.Status.Clusters {
			if c.Name == "member-2" && c.Reason == "Removing" {
				return nil
			}
		}
		return fmt.Errorf("member-2 not listed as Removing: %+v", got.Status.Clusters)
	})
	markReady(ctx, t, env, ns, "member-1")
	poll.Until(t, timeout, func() error {
		if _, err := deployment(ctx, env.members["member-2"], ns); !apierrors.IsNotFound(err) {
			return fmt.Errorf("member-2 still holds the workload (%w)", err)
		}
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil || len(got.Status.Clusters) != 1 || got.Status.ReadyReplicas != 6 {
			return fmt.Errorf("status %+v (%w), want only member-1 with 6 ready", got.Status, err)
		}
		return nil
	})
}

func sampleLands(t *testing.T, env *fleetEnv) {
	ctx := context.Background()
	app, err := examples.SampleApplication()
	if err != nil {
		t.Fatal(err)
	}
	app.Namespace = "sample"
	createNamespace(ctx, t, env.hub, app.Namespace)
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatalf("the hub rejected the sample: %v", err)
	}
	landed := wantMember(ctx, env, app.Namespace, map[string]int32{"member-1": 3, "member-2": 3}, "registry.example.com/web:v1")
	poll.Until(t, timeout, func() error {
		if err := landed(); err != nil {
			got, _ := getApp(ctx, env, app.Namespace, app.Name)
			return fmt.Errorf("%w; application status %+v", err, got.Status)
		}
		return nil
	})
}

func failoverMoves(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "failover"
	createNamespace(ctx, t, env.hub, ns)
	app := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)
	app.Spec.Failover = &flotillav1alpha1.FailoverPolicy{TolerationSeconds: 1, MaxEvictionsPerMinute: 1, FailBack: flotillav1alpha1.FailBackNever}
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 3, "member-2": 3}, "registry.example.com/web:v1"))
	markReady(ctx, t, env, ns, "member-1", "member-2")

	env.links["member-2"].Cut()
	defer env.links["member-2"].Restore()
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 6}, "registry.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		if len(got.Status.Evictions) != 1 || got.Status.Evictions[0].Cluster != "member-2" || got.Status.Evictions[0].Replicas != 3 {
			return fmt.Errorf("evictions %+v, want member-2 with 3 replicas", got.Status.Evictions)
		}
		if got.Status.ReadyReplicas > 3 {
			return fmt.Errorf("ready %d: the lost member's replicas must not count", got.Status.ReadyReplicas)
		}
		return nil
	})
	markReady(ctx, t, env, ns, "member-1")
	// The lost member still holds its copy: it cannot be reached to delete it.
	if _, err := deployment(ctx, env.members["member-2"], ns); err != nil {
		t.Fatalf("member-2's copy: %v", err)
	}
	env.links["member-2"].Restore()
	poll.Until(t, timeout, func() error {
		if _, err := deployment(ctx, env.members["member-2"], ns); !apierrors.IsNotFound(err) {
			return fmt.Errorf("member-2 still holds the workload after it returned (%w)", err)
		}
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil || got.Status.ReadyReplicas != 6 || len(got.Status.Clusters) != 1 {
			return fmt.Errorf("status %+v (%w), want 6 ready in member-1 only", got.Status, err)
		}
		return nil
	})
}

func deletionWaitsForLostMember(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "deletion-lost"
	createNamespace(ctx, t, env.hub, ns)
	app := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDuplicated)
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 6, "member-2": 6}, "registry.example.com/web:v1"))
	env.links["member-2"].Cut()
	defer env.links["member-2"].Restore()
	poll.Until(t, timeout, func() error { return memberNotReady(ctx, env.hub, "member-2") })
	if err := env.hub.Delete(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, func() error {
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.ConditionApplied)
		if c == nil || c.Reason != flotillav1alpha1.ReasonClusterUnreachable || !strings.Contains(c.Message, "member-2") {
			return fmt.Errorf("Applied condition %+v, want ClusterUnreachable naming member-2", c)
		}
		if _, err := deployment(ctx, env.members["member-1"], ns); !apierrors.IsNotFound(err) {
			return fmt.Errorf("member-1 not cleaned yet (%w)", err)
		}
		return nil
	})
	env.links["member-2"].Restore()
	poll.Until(t, timeout, func() error {
		if _, err := getApp(ctx, env, ns, "shop"); !apierrors.IsNotFound(err) {
			return fmt.Errorf("application still there (%w)", err)
		}
		if _, err := deployment(ctx, env.members["member-2"], ns); !apierrors.IsNotFound(err) {
			return fmt.Errorf("member-2 still holds the workload (%w)", err)
		}
		return nil
	})
}

// flotilla runs the CLI against the hub and returns what it printed.
func flotilla(t *testing.T, env *fleetEnv, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", env.hubKubeconfig)
	if code := cli.Execute(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("flotilla %s exited %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

func cliJourney(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "cli"
	createNamespace(ctx, t, env.hub, ns)
	file := filepath.Join(t.TempDir(), "sample-app.yaml")
	if err := os.WriteFile(file, examples.SampleApplicationYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := flotilla(t, env, "apply", "-f", file, "-n", ns); out != "application.flotilla.dev/web serverside-applied\n" {
		t.Fatalf("apply printed %q", out)
	}
	all := map[string]int32{"member-1": 3, "member-2": 3}
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v1"))
	markReady(ctx, t, env, ns, "member-1", "member-2")
	poll.Until(t, timeout, func() error {
		if out := flotilla(t, env, "get", "apps", "-n", ns, "-o", "wide"); !strings.Contains(out, "member-1=3/3,member-2=3/3") {
			return fmt.Errorf("get apps -o wide:\n%s", out)
		}
		return nil
	})
	desc := flotilla(t, env, "describe", "app", "web", "-n", ns)
	for _, want := range []string{"Divided by AvailableCapacity", "1 (web-", "first release of web v1", "RevisionCreated"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe lacks %q:\n%s", want, desc)
		}
	}
	update(ctx, t, env, ns, "web", func(a *flotillav1alpha1.Application) {
		a.Spec.Resources = replaceImage(t, a.Spec.Resources, "registry.example.com/web:v1", "registry.example.com/web:v2")
	})
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v2"))
	poll.Until(t, timeout, func() error {
		if out := flotilla(t, env, "rollout", "history", "web", "-n", ns); strings.Count(out, "web-") != 2 {
			return fmt.Errorf("history:\n%s", out)
		}
		return nil
	})
	undo := flotilla(t, env, "rollout", "undo", "web", "-n", ns)
	if undo != "application.flotilla.dev/web rolled back to revision 1\n  ~ Deployment web\n" {
		t.Fatalf("undo printed %q", undo)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v1"))
}

func replaceImage(t *testing.T, res []flotillav1alpha1.Manifest, from, to string) []flotillav1alpha1.Manifest {
	t.Helper()
	out := make([]flotillav1alpha1.Manifest, len(res))
	for i, m := range res {
		out[i] = *m.DeepCopy()
		out[i].Raw = []byte(strings.ReplaceAll(string(m.Raw), from, to))
	}
	return out
}

func recreated(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "recreated"
	createNamespace(ctx, t, env.hub, ns)
	first := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)
	if err := env.hub.Create(ctx, first); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 3, "member-2": 3}, "registry.example.com/web:v1"))
	if err := env.hub.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, func() error {
		if _, err := getApp(ctx, env, ns, "shop"); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%w)", err)
		}
		return nil
	})
	// This API server has no garbage collector: the old revision stays, as it would for a while.
	second := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)
	if err := env.hub.Create(ctx, second); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 3, "member-2": 3}, "registry.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		var list flotillav1alpha1.ApplicationRevisionList
		if err := env.hub.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		if len(list.Items) != 1 || list.Items[0].OwnerReferences[0].UID != second.UID || list.Items[0].Spec.Revision != 1 {
			return fmt.Errorf("revisions %+v, want one, revision 1, owned by the new Application", list.Items)
		}
		return nil
	})
}

func overrideReplicas(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "override"
	createNamespace(ctx, t, env.hub, ns)
	app := newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDuplicated)
	one := int32(1)
	app.Spec.Overrides = []flotillav1alpha1.ClusterOverride{{ClusterNames: []string{"member-2"}, Replicas: &one,
		Image: &flotillav1alpha1.ImageOverride{Registry: "mirror.example.com"}}}
	if err := env.hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 6}, "registry.example.com/web:v1"))
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-2": 1}, "mirror.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		got, err := getApp(ctx, env, ns, "shop")
		if err != nil {
			return err
		}
		if got.Status.Replicas != 7 {
			return fmt.Errorf("status replicas %d, want 6+1: %+v", got.Status.Replicas, got.Status.Clusters)
		}
		return nil
	})
}

func TestMemberChanges(t *testing.T) {
	env := startFleet(t, "member-1", "member-2")
	t.Run("a Deployment scaled by hand in a member is scaled back", func(t *testing.T) { driftRestored(t, env) })
	t.Run("a resource removed from the spec is removed from every member", func(t *testing.T) { removedResourcePruned(t, env) })
}

func driftRestored(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "drift"
	createNamespace(ctx, t, env.hub, ns)
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)); err != nil {
		t.Fatal(err)
	}
	all := map[string]int32{"member-1": 3, "member-2": 3}
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v1"))
	poll.Until(t, timeout, func() error {
		d, err := deployment(ctx, env.members["member-1"], ns)
		if err != nil {
			return err
		}
		d.Spec.Replicas = ptr.To(int32(7))
		return env.members["member-1"].Update(ctx, d)
	})
	poll.Until(t, timeout, wantMember(ctx, env, ns, all, "registry.example.com/web:v1"))
}

func removedResourcePruned(t *testing.T, env *fleetEnv) {
	ctx, ns := context.Background(), "prune"
	createNamespace(ctx, t, env.hub, ns)
	if err := env.hub.Create(ctx, newApp(ns, "shop", flotillav1alpha1.ReplicaSchedulingDivided)); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, timeout, wantMember(ctx, env, ns, map[string]int32{"member-1": 3, "member-2": 3}, "registry.example.com/web:v1"))
	update(ctx, t, env, ns, "shop", func(a *flotillav1alpha1.Application) {
		a.Spec.Resources = manifests("registry.example.com/web:v1", "hello")[:2] // no Service
	})
	poll.Until(t, timeout, func() error {
		for name, m := range env.members {
			err := m.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &corev1.Service{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("%s: Service still there (%w)", name, err)
			}
			if err := m.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-config"}, &corev1.ConfigMap{}); err != nil {
				return fmt.Errorf("%s: ConfigMap: %w", name, err)
			}
		}
		return nil
	})
}
