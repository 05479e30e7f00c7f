// Package autoscaling keeps Applications at the replica count their FleetAutoscaler decides:
// it reads the metrics (the members' metrics API, Prometheus, external endpoints), asks the
// pure recommender (package recommender) for the count, writes it to the Application's
// spec.replicas (the scheduler then divides it between clusters) and records why.
package autoscaling

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/autoscaling/recommender"
)

// DefaultInterval is how often an autoscaler is evaluated when its spec does not say.
const DefaultInterval = 5 * time.Second

// Members is what the autoscaler needs of the fleet: a reader of each member that asks its API
// server; *fleet.Registry implements it.
type Members interface {
	APIReader(ctx context.Context, cluster string) (client.Reader, error)
}

// Options tune the FleetAutoscaler reconciler.
type Options struct {
	// Clock is the time source (default: the real clock).
	Clock clock.PassiveClock
	// HTTP runs Prometheus queries and external metric calls (default: a 10s-timeout client).
	HTTP *http.Client
}

// Reconciler evaluates FleetAutoscalers.
type Reconciler struct {
	Client    client.Client
	APIReader client.Reader
	Members   Members
	Events    events.EventRecorder
	opts      Options
	instr     *instruments
}

// +kubebuilder:rbac:groups=flotilla.dev,resources=fleetautoscalers,verbs=get;list;watch
// +kubebuilder:rbac:groups=flotilla.dev,resources=fleetautoscalers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=applications,verbs=get;list;watch;patch

// Setup adds the FleetAutoscaler reconciler to mgr.
func Setup(mgr ctrl.Manager, members Members, opts Options) error {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	instr, err := newInstruments(crmetrics.Registry)
	if err != nil {
		return fmt.Errorf("registering the autoscaler metrics: %w", err)
	}
	r := &Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Members: members,
		Events: mgr.GetEventRecorder("flotilla-autoscaler"), opts: opts, instr: instr}
	// Spec changes only: the autoscaler's own status writes must not bring it back before its
	// interval (it requeues itself).
	return ctrl.NewControllerManagedBy(mgr).
		For(&flotillav1alpha1.FleetAutoscaler{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("fleetautoscaler").Complete(r)
}

// Reconcile evaluates one autoscaler and requeues itself after its interval (or sooner, when a
// schedule window opens or closes).
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	fa := &flotillav1alpha1.FleetAutoscaler{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, fa); err != nil {
		if apierrors.IsNotFound(err) {
			r.instr.forget(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.opts.Clock.Now()
	interval := DefaultInterval
	if fa.Spec.Interval != nil && fa.Spec.Interval.Duration >= time.Second {
		interval = fa.Spec.Interval.Duration
	}
	orig := fa.DeepCopy()
	app := &flotillav1alpha1.Application{}
	err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: fa.Namespace, Name: fa.Spec.TargetRef.Name}, app)
	if client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	}
	if err != nil {
		setCondition(fa, flotillav1alpha1.ConditionAbleToScale, false, flotillav1alpha1.ReasonTargetNotFound,
			fmt.Sprintf("Application %s/%s does not exist: create it or fix spec.targetRef.name", fa.Namespace, fa.Spec.TargetRef.Name))
		return ctrl.Result{RequeueAfter: interval}, r.writeStatus(ctx, orig, fa)
	}
	current := fleetReplicas(app)
	in := recommender.Input{Spec: &fa.Spec, Current: current, Previous: fa.Status, Now: now, RolloutInProgress: rolloutInProgress(app)}
	in.Metrics = r.measure(ctx, fa, app)
	d := recommender.Decide(in)
	if d.Desired != current {
		if err := r.scale(ctx, app, d.Desired); err != nil {
			return ctrl.Result{}, err
		}
		r.Events.Eventf(fa, app, corev1.EventTypeNormal, "Scaled", "Scale", "%s: %d -> %d replicas: %s", app.Name, current, d.Desired, d.Reason)
		fa.Status.LastScaleTime, fa.Status.LastScaleReason = &metav1.Time{Time: now}, fmt.Sprintf("%d -> %d: %s", current, d.Desired, d.Reason)
	}
	r.record(fa, d, current)
	r.instr.observeDecision(fa, current, d.Desired)
	requeue := interval
	if !d.NextChange.IsZero() && d.NextChange.Sub(now) < requeue {
		requeue = max(d.NextChange.Sub(now), 100*time.Millisecond)
	}
	return ctrl.Result{RequeueAfter: requeue}, r.writeStatus(ctx, orig, fa)
}

// fleetReplicas is the Application's replica count summed over its clusters, as the
// autoscaler reasons about it.
func fleetReplicas(app *flotillav1alpha1.Application) int32 {
	if app.Status.Replicas > 0 || app.Spec.Replicas == nil {
		return app.Status.Replicas
	}
	return *app.Spec.Replicas * max(1, placedCount(app))
}

// placedCount is how many clusters share a Duplicated placement's per-cluster count (1 for
// Divided, whose count is already fleet-wide).
func placedCount(app *flotillav1alpha1.Application) int32 {
	if app.Spec.Placement.ReplicaScheduling.Type != flotillav1alpha1.ReplicaSchedulingDuplicated {
		return 1
	}
	return int32(min(len(app.Status.Clusters), 1<<20))
}

func rolloutInProgress(app *flotillav1alpha1.Application) bool {
	st := app.Status.Rollout
	return st != nil && st.Revision == app.Status.CurrentRevision &&
		(st.Phase == flotillav1alpha1.RolloutProgressing || st.Phase == flotillav1alpha1.RolloutPaused || st.Phase == flotillav1alpha1.RolloutAborting)
}

// scale writes the fleet-wide count to the Application: as is for a Divided placement, per
// cluster (rounded up) for a Duplicated one.
func (r *Reconciler) scale(ctx context.Context, app *flotillav1alpha1.Application, total int32) error {
	replicas := total
	if n := placedCount(app); n > 1 {
		replicas = (total + n - 1) / n
	}
	orig := app.DeepCopy()
	app.Spec.Replicas = &replicas
	if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("scaling Application %s to %d: %w", app.Name, replicas, err)
	}
	return nil
}

// record puts the decision in the status.
func (r *Reconciler) record(fa *flotillav1alpha1.FleetAutoscaler, d recommender.Decision, current int32) {
	st := &fa.Status
	st.ObservedGeneration, st.CurrentReplicas, st.DesiredReplicas = fa.Generation, current, d.Desired
	st.MinReplicas, st.MaxReplicas, st.ActiveSchedules = d.Min, d.Max, d.Active
	st.CurrentMetrics, st.Recommendations, st.Scales = d.Statuses, d.Recommendations, d.Scales
	able := "the Application can be scaled"
	if len(d.ScheduleErrors) > 0 {
		setCondition(fa, flotillav1alpha1.ConditionAbleToScale, false, flotillav1alpha1.ReasonInvalidSchedule,
			strings.Join(d.ScheduleErrors, "; ")+"; the other schedules and the metrics still apply")
		r.Events.Eventf(fa, nil, corev1.EventTypeWarning, flotillav1alpha1.ReasonInvalidSchedule, "Evaluate", "%s", strings.Join(d.ScheduleErrors, "; "))
	} else {
		setCondition(fa, flotillav1alpha1.ConditionAbleToScale, true, flotillav1alpha1.ReasonReadyForNewScale, able)
	}
	switch {
	case len(fa.Spec.Metrics) == 0:
		setCondition(fa, flotillav1alpha1.ConditionScalingActive, true, flotillav1alpha1.ReasonNoMetrics, d.MetricMessage)
	case !d.MetricsOK:
		setCondition(fa, flotillav1alpha1.ConditionScalingActive, false, flotillav1alpha1.ReasonMetricsUnavailable, d.MetricMessage+"; the count is left as it is")
		r.Events.Eventf(fa, nil, corev1.EventTypeWarning, flotillav1alpha1.ReasonMetricsUnavailable, "Evaluate", "%s", d.MetricMessage)
	default:
		msg := "the count is computed from the metrics"
		if d.MetricMessage != "" {
			msg += "; " + d.MetricMessage + " (no scale-down until it can)"
		}
		setCondition(fa, flotillav1alpha1.ConditionScalingActive, true, flotillav1alpha1.ReasonMetricsAvailable, msg)
	}
	if d.Limited != "" {
		setCondition(fa, flotillav1alpha1.ConditionScalingLimited, true, d.Limited, d.LimitMessage)
	} else {
		setCondition(fa, flotillav1alpha1.ConditionScalingLimited, false, flotillav1alpha1.ReasonDesiredWithinRange,
			"the desired count is within the bounds "+strconv.Itoa(int(d.Min))+"-"+strconv.Itoa(int(d.Max)))
	}
}

func setCondition(fa *flotillav1alpha1.FleetAutoscaler, t string, ok bool, reason, msg string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&fa.Status.Conditions, metav1.Condition{Type: t, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: fa.Generation})
}

func (r *Reconciler) writeStatus(ctx context.Context, orig, fa *flotillav1alpha1.FleetAutoscaler) error {
	if equality.Semantic.DeepEqual(orig.Status, fa.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, fa, client.MergeFrom(orig)))
}
