package federation

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/failover"
	"flotilla.dev/flotilla/internal/federation/status"
	"flotilla.dev/flotilla/internal/rollout/planner"
	"flotilla.dev/flotilla/internal/scheduling"
)

// Finalizer keeps an Application until its objects are removed from every member.
const Finalizer = "flotilla.dev/member-cleanup"

// FieldManager is the server-side apply field manager of every write to a member.
const FieldManager = "flotilla"

// ApplicationReconciler places Applications on member clusters and reports what runs there.
// Create it with Setup.
type ApplicationReconciler struct {
	Client client.Client
	// APIReader reads Applications from the API server itself.
	APIReader client.Reader
	Registry  Registry
	Events    events.EventRecorder
	opts      Options
	mem       *memory
	metrics   *metrics
}

// +kubebuilder:rbac:groups=flotilla.dev,resources=applications,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=applications/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=applications/finalizers,verbs=update
// +kubebuilder:rbac:groups=flotilla.dev,resources=applicationrevisions,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// scope is what one reconciliation pass knows and has decided.
type scope struct {
	app      *flotillav1alpha1.Application
	original *flotillav1alpha1.Application
	members  map[string]*flotillav1alpha1.MemberCluster
	// revision is the name of the current ApplicationRevision.
	revision string
	// revisions holds the resources of every known revision of the Application, by name, and
	// overrides their overrides.
	revisions map[string][]flotillav1alpha1.Manifest
	overrides map[string][]flotillav1alpha1.ClusterOverride
	// rendered holds the manifests of the current revision per chosen cluster, and plan the
	// rollout's decision (what each cluster runs next).
	rendered map[string][]*unstructured.Unstructured
	plan     planner.Decision
	planned  bool
	// invalid is why the spec cannot be rendered.
	invalid string
	// decision is the scheduler's; chosen is the placement to apply (the decision, or the
	// current placement when nothing fits).
	decision scheduling.Decision
	chosen   []scheduling.Assignment
	failover failover.Decision
	// clusters collects what is known of every cluster of the old and new placement.
	clusters map[string]*status.Cluster
	// observed holds, per reachable cluster, its client and what its workload carries.
	observed map[string]*observed
	requeue  time.Duration
}

// phase is one step of a reconciliation; stop ends the pass early (the status is still written).
type phase func(ctx context.Context, s *scope) (stop bool, err error)

// Reconcile runs the phases for one Application and writes its status once.
func (r *ApplicationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &flotillav1alpha1.Application{}
	// Read from the API server, not the cache: a pass must start from the status the previous
	// pass wrote (the rollout's recorded step), never from an older copy the cache still holds.
	if err := r.APIReader.Get(ctx, req.NamespacedName, app); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s, err := r.newScope(ctx, app)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !app.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, s)
	}
	if controllerutil.AddFinalizer(app, Finalizer) {
		if err := r.Client.Update(ctx, app); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		s.original = app.DeepCopy()
	}
	for _, p := range []phase{r.reconcileValidation, r.reconcileRevisions, r.reconcileSchedule,
		r.reconcileObservation, r.reconcileRollout, r.reconcilePropagation, r.reconcileCleanup} {
		stop, err := p(ctx, s)
		if err != nil {
			// A failed read or hub write leaves the status as it was; the pass is retried.
			return ctrl.Result{}, err
		}
		if stop {
			break
		}
	}
	if err := r.writeStatus(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: s.requeue}, nil
}

func (r *ApplicationReconciler) newScope(ctx context.Context, app *flotillav1alpha1.Application) (*scope, error) {
	var list flotillav1alpha1.MemberClusterList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil, err
	}
	s := &scope{app: app, original: app.DeepCopy(), members: map[string]*flotillav1alpha1.MemberCluster{}, clusters: map[string]*status.Cluster{},
		observed: map[string]*observed{}}
	for i := range list.Items {
		s.members[list.Items[i].Name] = &list.Items[i]
	}
	s.revision = app.Status.CurrentRevision
	return s, nil
}

func (s *scope) requeueAfter(d time.Duration) {
	if d > 0 && (s.requeue == 0 || d < s.requeue) {
		s.requeue = d
	}
}

// cluster returns the status record of a cluster, creating it.
func (s *scope) cluster(name string) *status.Cluster {
	c := s.clusters[name]
	if c == nil {
		c = &status.Cluster{Name: name, Reachable: true}
		for _, prev := range s.app.Status.Clusters {
			if prev.Name == name {
				c.AppliedRevision = prev.AppliedRevision
			}
		}
		s.clusters[name] = c
	}
	return c
}

// writeStatus aggregates and patches the status when it changed.
func (r *ApplicationReconciler) writeStatus(ctx context.Context, s *scope) error {
	in := status.Input{
		Generation: s.app.Generation, Revision: s.revision, Workload: s.app.Status.Workload, Invalid: s.invalid,
		Unschedulable: s.decision.Unschedulable, NotChosen: notChosen(s.decision), Evictions: s.failover.Evictions,
		Previous: s.app.Status.Conditions, Now: r.opts.Clock.Now(),
	}
	if s.invalid != "" {
		in.Evictions = s.app.Status.Evictions
	}
	if wl := workloadRef(s.app); wl != nil {
		in.Workload = wl
	}
	for _, c := range s.clusters {
		in.Clusters = append(in.Clusters, *c)
	}
	st := status.Aggregate(in)
	if s.invalid != "" {
		// Nothing was decided: keep the placement and counts, report why.
		s.app.Status.ObservedGeneration, s.app.Status.Conditions = st.ObservedGeneration, st.Conditions
	} else {
		stable, rollout := s.app.Status.StableRevision, s.app.Status.Rollout
		s.app.Status = st
		s.app.Status.StableRevision, s.app.Status.Rollout = stable, rollout
		if s.planned {
			s.app.Status.StableRevision, s.app.Status.Rollout = s.plan.Stable, s.plan.Status
		}
	}
	if equality.Semantic.DeepEqual(s.app.Status, s.original.Status) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, s.app, client.MergeFrom(s.original)); err != nil {
		return client.IgnoreNotFound(err)
	}
	return nil
}

// notChosen says why each rejected cluster was left out.
func notChosen(d scheduling.Decision) []string {
	out := make([]string, 0, len(d.Rejected))
	for _, r := range d.Rejected {
		out = append(out, r.Cluster+" ("+r.Plugin+": "+r.Reason+")")
	}
	return out
}
