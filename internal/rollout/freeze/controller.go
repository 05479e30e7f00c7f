package freeze

import (
	"context"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/rollout/analysis"
)

// Members is what the reconciler needs of the fleet: the member clusters and a reader of each
// that asks its API server; *fleet.Registry implements it.
type Members interface {
	Clusters() []string
	APIReader(ctx context.Context, cluster string) (client.Reader, error)
}

// Options tune the ChangeFreeze reconciler.
type Options struct {
	// Clock is the time source (default: the real clock).
	Clock clock.PassiveClock
	// HTTP runs Prometheus queries (default: a client with a 10s timeout).
	HTTP *http.Client
}

// Reconciler evaluates ChangeFreeze signals and writes their status.
type Reconciler struct {
	Client  client.Client
	Members Members
	Events  events.EventRecorder
	opts    Options
	metrics *metrics
}

// Reasons of the events on a ChangeFreeze.
const (
	// ReasonFrozen: the freeze began holding rollouts.
	ReasonFrozen = "Frozen"
	// ReasonUnfrozen: the freeze lifted.
	ReasonUnfrozen = "Unfrozen"
)

// +kubebuilder:rbac:groups=flotilla.dev,resources=changefreezes,verbs=get;list;watch
// +kubebuilder:rbac:groups=flotilla.dev,resources=changefreezes/status,verbs=get;update;patch

// Setup adds the ChangeFreeze reconciler to mgr.
func Setup(mgr ctrl.Manager, members Members, opts Options) error {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	m, err := newMetrics(crmetrics.Registry)
	if err != nil {
		return fmt.Errorf("registering the change freeze metrics: %w", err)
	}
	r := &Reconciler{Client: mgr.GetClient(), Members: members, Events: mgr.GetEventRecorder("flotilla-changefreeze"), opts: opts, metrics: m}
	return ctrl.NewControllerManagedBy(mgr).For(&flotillav1alpha1.ChangeFreeze{}).Named("changefreeze").Complete(r)
}

// Reconcile evaluates one freeze's signal and requeues itself after its interval.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	f := &flotillav1alpha1.ChangeFreeze{}
	if err := r.Client.Get(ctx, req.NamespacedName, f); err != nil {
		if apierrors.IsNotFound(err) {
			r.metrics.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.opts.Clock.Now()
	interval := DefaultInterval
	if f.Spec.Interval != nil && f.Spec.Interval.Duration >= time.Second {
		interval = f.Spec.Interval.Duration
	}
	sample, err := r.sample(ctx, &f.Spec, now)
	if err != nil {
		sample = Sample{Message: "cannot evaluate the signal: " + err.Error()}
	}
	st := Next(&f.Spec, f.Status, sample, now)
	if st.Frozen != f.Status.Frozen {
		ctrl.LoggerFrom(ctx).Info("change freeze", "frozen", st.Frozen, "message", st.Message)
		if st.Frozen {
			r.Events.Eventf(f, nil, corev1.EventTypeWarning, ReasonFrozen, "Freeze", "rollouts hold: %s", st.Message)
		} else {
			r.Events.Eventf(f, nil, corev1.EventTypeNormal, ReasonUnfrozen, "Unfreeze", "rollouts may go on: %s", st.Message)
		}
	}
	r.metrics.observe(f.Name, st.Frozen)
	if !equality.Semantic.DeepEqual(st, f.Status) {
		orig := f.DeepCopy()
		f.Status = st
		if err := r.Client.Status().Patch(ctx, f, client.MergeFrom(orig)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return ctrl.Result{RequeueAfter: interval}, nil
}

func (r *Reconciler) sample(ctx context.Context, spec *flotillav1alpha1.ChangeFreezeSpec, now time.Time) (Sample, error) {
	switch {
	case spec.Prometheus != nil:
		v, err := analysis.QueryPrometheus(ctx, r.opts.HTTP, spec.Prometheus.Address, spec.Prometheus.Query, analysis.DefaultQueryTimeout)
		if err != nil {
			return Sample{}, err
		}
		return Judge(spec.Prometheus, v), nil
	case spec.PodCreation != nil:
		var pods []corev1.Pod
		for _, name := range r.Members.Clusters() {
			reader, err := r.Members.APIReader(ctx, name)
			if err != nil {
				continue // an unreachable member has no say
			}
			var list corev1.PodList
			if err := reader.List(ctx, &list); err != nil {
				return Sample{}, fmt.Errorf("listing pods in %s: %w", name, err)
			}
			pods = append(pods, list.Items...)
		}
		return PodCreation(spec.PodCreation, pods, now), nil
	}
	return Sample{Known: true, Message: "no signal: frozen only by hand (spec.frozen)"}, nil
}
