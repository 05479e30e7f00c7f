// Package tuning resizes the containers of Applications in place (the pod resize subresource)
// to what their usage says, per ResourcePolicy:
//
//   - the Sampler reads every selected pod's usage from its node's kubelet resource metrics
//     (through the member API server's node proxy) every second, into bounded per-container
//     profiles (package profile), checkpointed in the hub so a restart keeps them;
//   - the pure recommender (package recommender) turns a profile into requests and limits
//     within bounds, never lowering a memory limit below the observed peak or current usage
//     plus a margin; its Burst path raises a limit at once when a container nears it;
//   - in Auto mode each change is a revision in the policy's status (before, after, reason,
//     measured inputs), applied batch by batch to the pods of every cluster;
//   - a change followed by restarts, OOM kills or throttling is reverted automatically, and
//     any revision can be restored by hand (the revert-to annotation, `flotilla tuning revert`).
package tuning

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/tuning/profile"
	"flotilla.dev/flotilla/internal/tuning/recommender"
)

// Annotations the tuner keeps on the pods it resized.
const (
	// AnnotationRevision is the policy revision the pod was resized to.
	AnnotationRevision = "tuning.flotilla.dev/revision"
	// AnnotationRestarts is the sum of the pod's container restart counts when it was resized.
	AnnotationRestarts = "tuning.flotilla.dev/restarts"
	// AnnotationResizedAt is when it was resized (RFC 3339).
	AnnotationResizedAt = "tuning.flotilla.dev/resized-at"
)

// Revision reasons.
const (
	ReasonRecommendation = "Recommendation"
	ReasonBurst          = "Burst"
	ReasonAutoRevert     = "AutoRevert"
	ReasonRevert         = "Revert"
)

// ControllerActor is the actor of the revisions the controller makes by itself.
const ControllerActor = "flotilla-controller"

// historyLimit is how many revisions status keeps.
const historyLimit = 30

// Members is what tuning needs of the fleet; *fleet.Registry implements it.
type Members interface {
	APIReader(ctx context.Context, cluster string) (client.Reader, error)
	Client(ctx context.Context, cluster string) (client.Client, error)
	GetPath(ctx context.Context, cluster, path string) ([]byte, error)
}

// Options tune the ResourcePolicy reconciler.
type Options struct {
	// Clock is the time source (default: the real clock).
	Clock clock.PassiveClock
	// SampleInterval is how often every selected pod's usage is read (default 1s).
	SampleInterval time.Duration
	// CheckpointInterval is how often profiles are saved to the hub (default 30s).
	CheckpointInterval time.Duration
	// ResyncInterval is how often a policy is reconciled without a trigger (default 2s).
	ResyncInterval time.Duration
}

// Reconciler reconciles ResourcePolicies.
type Reconciler struct {
	Client    client.Client
	APIReader client.Reader
	Members   Members
	Events    events.EventRecorder
	opts      Options
	tracker   *tracker
	metrics   *metrics
}

// +kubebuilder:rbac:groups=flotilla.dev,resources=resourcepolicies,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=resourcepolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=applications,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch

// Setup adds the ResourcePolicy reconciler and the usage sampler to mgr.
func Setup(mgr ctrl.Manager, members Members, opts Options) error {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.SampleInterval <= 0 {
		opts.SampleInterval = time.Second
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = 30 * time.Second
	}
	if opts.ResyncInterval <= 0 {
		opts.ResyncInterval = 2 * time.Second
	}
	m, err := newMetrics(crmetrics.Registry)
	if err != nil {
		return fmt.Errorf("registering the tuning metrics: %w", err)
	}
	t := newTracker(profile.NewStore(profile.Options{}))
	r := &Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Members: members,
		Events: mgr.GetEventRecorder("flotilla-tuning"), opts: opts, tracker: t, metrics: m}
	if err := mgr.Add(&Sampler{members: members, tracker: t, interval: opts.SampleInterval, now: opts.Clock.Now, metrics: m}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&flotillav1alpha1.ResourcePolicy{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WatchesRawSource(source.Channel(t.trigger, &handler.EnqueueRequestForObject{})).
		Named("resourcepolicy").Complete(r)
}

// Reconcile makes one pass over a policy: profiles in, revisions and resizes out.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := req.String()
	p := &flotillav1alpha1.ResourcePolicy{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, p); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.tracker.remove(key)
			r.metrics.forget(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if p.DeletionTimestamp != nil {
		r.tracker.remove(key)
		r.metrics.forget(req.Namespace, req.Name)
		return ctrl.Result{}, nil
	}
	now := r.opts.Clock.Now()
	s := settingsOf(&p.Spec)
	orig := p.DeepCopy()
	r.restore(ctx, p, key, now)

	f, err := r.observe(ctx, p)
	if err != nil {
		setCondition(p, flotillav1alpha1.ConditionProfiling, false, "TargetNotFound", err.Error())
		return ctrl.Result{RequeueAfter: 5 * r.opts.ResyncInterval}, r.writeStatus(ctx, orig, p)
	}
	r.tracker.setTarget(f.target(key, s, p.Status.CurrentRevision))

	// Decide whether this pass makes a revision: a revert asked by hand, an automatic revert,
	// a burst, or (Auto) a recommendation that is due. At most one per pass.
	current := f.current(p)
	priority := map[string]bool{}
	recs := r.recommend(p, f, s, current, now)
	p.Status.Recommendations = recs
	switch {
	case p.Annotations[flotillav1alpha1.AnnotationTuningRevert] != "":
		if err := r.revertByHand(ctx, p, f, current, s, now); err != nil {
			return ctrl.Result{}, err
		}
	case r.autoRevert(p, f, s, now):
	case r.burst(p, f, s, current, priority, now):
	case p.Spec.Mode == flotillav1alpha1.TuningAuto && r.due(p, f, s, now):
		after, msg := recommended(recs)
		if len(after) > 0 {
			r.newRevision(p, current, after, ReasonRecommendation, ControllerActor, msg, now)
		}
	}
	if p.Status.CurrentRevision != orig.Status.CurrentRevision {
		// The revision is recorded before any pod is resized to it.
		if err := r.writeStatus(ctx, orig, p); err != nil {
			return ctrl.Result{}, err
		}
		orig = p.DeepCopy()
		r.tracker.setTarget(f.target(key, s, p.Status.CurrentRevision))
	}
	r.apply(ctx, p, f, s, priority, now)
	r.conditions(p, f)
	p.Status.ObservedGeneration = p.Generation
	r.checkpoint(ctx, p, key, now)
	return ctrl.Result{RequeueAfter: r.opts.ResyncInterval}, r.writeStatus(ctx, orig, p)
}

// fleetView is what one pass sees: the selected Applications and their pods per cluster.
type fleetView struct {
	apps      []*flotillav1alpha1.Application
	templates map[appContainer]corev1.ResourceRequirements
	selectors map[string]client.MatchingLabelsSelector
	// pods per cluster, each tagged with its Application.
	pods map[string][]appPod
}

type appPod struct {
	app string
	pod *corev1.Pod
}

// observe reads the selected Applications and their pods in every cluster they run in.
func (r *Reconciler) observe(ctx context.Context, p *flotillav1alpha1.ResourcePolicy) (*fleetView, error) {
	var apps []*flotillav1alpha1.Application
	if ref := p.Spec.TargetRef; ref != nil {
		app := &flotillav1alpha1.Application{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: ref.Name}, app); err != nil {
			return nil, fmt.Errorf("spec.targetRef: Application %s/%s: %w", p.Namespace, ref.Name, err)
		}
		apps = append(apps, app)
	} else {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			return nil, fmt.Errorf("spec.selector: %w", err)
		}
		var list flotillav1alpha1.ApplicationList
		if err := r.Client.List(ctx, &list, client.InNamespace(p.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return nil, err
		}
		for i := range list.Items {
			apps = append(apps, &list.Items[i])
		}
		if len(apps) == 0 {
			return nil, fmt.Errorf("spec.selector matches no Application in namespace %s", p.Namespace)
		}
	}
	f := &fleetView{apps: apps, templates: map[appContainer]corev1.ResourceRequirements{},
		selectors: map[string]client.MatchingLabelsSelector{}, pods: map[string][]appPod{}}
	p.Status.Applications = nil
	for _, app := range apps {
		p.Status.Applications = append(p.Status.Applications, app.Name)
		containers, err := render.Containers(app)
		if err != nil {
			return nil, fmt.Errorf("application %s: %w", app.Name, err)
		}
		for _, c := range containers {
			f.templates[appContainer{app.Name, c.Name}] = c.Resources
		}
		sel, err := render.PodSelector(app)
		if err != nil {
			return nil, fmt.Errorf("application %s: %w", app.Name, err)
		}
		f.selectors[app.Name] = sel
		for _, c := range app.Status.Clusters {
			reader, err := r.Members.APIReader(ctx, c.Name)
			if err != nil {
				continue // an unreachable cluster's pods wait for it to come back
			}
			var list corev1.PodList
			if err := reader.List(ctx, &list, client.InNamespace(app.Namespace), sel); err != nil {
				continue
			}
			for i := range list.Items {
				f.pods[c.Name] = append(f.pods[c.Name], appPod{app: app.Name, pod: &list.Items[i]})
			}
		}
	}
	sort.Strings(p.Status.Applications)
	return f, nil
}

// target is what the sampler needs of this view.
func (f *fleetView) target(key string, s settings, revision int64) *target {
	ns, _, _ := strings.Cut(key, "/")
	tg := &target{policy: key, namespace: ns, burst: s.burst, revision: revision}
	for _, app := range f.apps {
		at := appTarget{name: app.Name, selector: f.selectors[app.Name].Selector}
		for _, c := range app.Status.Clusters {
			at.clusters = append(at.clusters, c.Name)
		}
		tg.apps = append(tg.apps, at)
	}
	return tg
}

// current is the resources each container should have now: the current revision's, else the
// Application's own.
func (f *fleetView) current(p *flotillav1alpha1.ResourcePolicy) map[appContainer]corev1.ResourceRequirements {
	out := map[appContainer]corev1.ResourceRequirements{}
	for k, rr := range f.templates {
		out[k] = tunedOnly(rr)
	}
	if rev := revision(p, p.Status.CurrentRevision); rev != nil {
		for _, c := range rev.Containers {
			k := appContainer{c.Application, c.Container}
			if _, ok := out[k]; ok {
				out[k] = c.After
			}
		}
	}
	return out
}

// tunedOnly keeps the CPU and memory of a container's resources.
func tunedOnly(rr corev1.ResourceRequirements) corev1.ResourceRequirements {
	return withValues(corev1.ResourceRequirements{}, values(rr))
}

func revision(p *flotillav1alpha1.ResourcePolicy, n int64) *flotillav1alpha1.TuningRevision {
	for i := range p.Status.History {
		if p.Status.History[i].Revision == n {
			return &p.Status.History[i]
		}
	}
	return nil
}

// recommend runs the recommender for every tuned container.
func (r *Reconciler) recommend(p *flotillav1alpha1.ResourcePolicy, f *fleetView, s settings,
	current map[appContainer]corev1.ResourceRequirements, now time.Time) []flotillav1alpha1.TuningRecommendation {
	keys := sortedKeys(current)
	var out []flotillav1alpha1.TuningRecommendation
	for _, k := range keys {
		cp := containerPolicy(&p.Spec, k.container)
		if cp == nil {
			continue
		}
		cur := current[k]
		sum, _ := r.tracker.store.Summary(profile.Key{Policy: policyKey(p), Container: k.String()}, now)
		in := recommender.Input{Current: values(cur), MinAllowed: bounds(cp.MinAllowed), MaxAllowed: bounds(cp.MaxAllowed),
			Usage:      recommender.Usage{Samples: sum.Samples, CPU: sum.CPU, Memory: sum.Memory, CurrentMemory: sum.LastMemory},
			MinSamples: s.minSamples, MaxStepPercent: s.maxStep, MinChangePercent: s.minChange, MemoryMarginPercent: s.memoryMargin,
			Guaranteed: guaranteed(cur)}
		for _, t := range cp.Targets {
			in.Targets = append(in.Targets, recommender.Target{Key: keyOf(t.Resource, t.Field), Percentile: float64(t.Percentile), MarginPercent: float64(t.MarginPercent)})
		}
		res := recommender.Recommend(in)
		rec := flotillav1alpha1.TuningRecommendation{Application: k.app, Container: k.container, Current: cur,
			Recommended: withValues(cur, res.Values), Changed: res.Changed, Usage: summarize(sum)}
		for _, d := range res.Decisions {
			rec.Reasons = append(rec.Reasons, d.Key.String()+": "+d.Reason)
		}
		rec.Reasons = append(rec.Reasons, res.Notes...)
		out = append(out, rec)
	}
	return out
}

func policyKey(p *flotillav1alpha1.ResourcePolicy) string { return p.Namespace + "/" + p.Name }

func sortedKeys(m map[appContainer]corev1.ResourceRequirements) []appContainer {
	keys := make([]appContainer, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

// summarize is the status view of a profile.
func summarize(s profile.Summary) flotillav1alpha1.UsageSummary {
	out := flotillav1alpha1.UsageSummary{Samples: s.Samples}
	if s.Samples == 0 {
		return out
	}
	out.Since = &metav1.Time{Time: s.First}
	cpu := func(v float64) string { return formatValue(recommender.CPU, int64(v*1000+0.5)) }
	mem := func(v float64) string { return formatValue(recommender.Memory, int64(v)) }
	out.CPU = map[string]string{"p50": cpu(s.CPU.Percentile(50)), "p90": cpu(s.CPU.Percentile(90)), "max": cpu(s.CPU.Max())}
	out.Memory = map[string]string{"p50": mem(s.Memory.Percentile(50)), "p90": mem(s.Memory.Percentile(90)), "max": mem(s.Memory.Max())}
	return out
}

// recommended collects the changed recommendations and a message with their reasons.
func recommended(recs []flotillav1alpha1.TuningRecommendation) (map[appContainer]corev1.ResourceRequirements, string) {
	after := map[appContainer]corev1.ResourceRequirements{}
	var msgs []string
	for _, rec := range recs {
		if rec.Changed {
			after[appContainer{rec.Application, rec.Container}] = rec.Recommended
			msgs = append(msgs, rec.Application+"/"+rec.Container+": "+strings.Join(rec.Reasons, "; "))
		}
	}
	return after, strings.Join(msgs, " | ")
}

// due says whether a recommended change may be made now: the last change is older than the
// minimum interval and its observation, no hold is on, and every pod runs the current revision.
func (r *Reconciler) due(p *flotillav1alpha1.ResourcePolicy, f *fleetView, s settings, now time.Time) bool {
	if h := p.Status.HoldUntil; h != nil && now.Before(h.Time) {
		return false
	}
	if last := revision(p, p.Status.CurrentRevision); last != nil && now.Before(last.Time.Add(max(s.minInterval, s.observeFor))) {
		return false
	}
	st := p.Status.Pods
	return p.Status.CurrentRevision == 0 || st.Updated == st.Total
}

// newRevision records a revision whose containers go from current to after (containers absent
// from after keep their current resources).
func (r *Reconciler) newRevision(p *flotillav1alpha1.ResourcePolicy, current, after map[appContainer]corev1.ResourceRequirements,
	reason, actor, msg string, now time.Time) {
	var last int64
	if n := len(p.Status.History); n > 0 {
		last = p.Status.History[n-1].Revision
	}
	rev := flotillav1alpha1.TuningRevision{Revision: last + 1, Time: metav1.Time{Time: now}, Reason: reason, Actor: actor, Message: msg}
	var changed []string
	for _, k := range sortedKeys(current) {
		a, ok := after[k]
		if !ok {
			a = current[k]
		}
		rev.Containers = append(rev.Containers, flotillav1alpha1.ContainerChange{Application: k.app, Container: k.container, Before: current[k], After: a})
		if !sameTuned(current[k], a) {
			changed = append(changed, k.String()+" "+describe(current[k])+" -> "+describe(a))
		}
	}
	p.Status.History = append(p.Status.History, rev)
	if n := len(p.Status.History); n > historyLimit {
		p.Status.History = p.Status.History[n-historyLimit:]
	}
	p.Status.CurrentRevision = rev.Revision
	typ := corev1.EventTypeNormal
	if reason == ReasonAutoRevert {
		typ = corev1.EventTypeWarning
	}
	r.Events.Eventf(p, nil, typ, reason, "Tune", "revision %d by %s: %s; %s", rev.Revision, actor, strings.Join(changed, ", "), msg)
	r.metrics.observeRevision(p.Namespace, p.Name, reason)
}

// describe prints a container's tuned resources, e.g. "cpu 250m/500m memory 128Mi/256Mi"
// (request/limit).
func describe(rr corev1.ResourceRequirements) string {
	var parts []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := "-", "-"
		if q, ok := rr.Requests[name]; ok {
			req = q.String()
		}
		if q, ok := rr.Limits[name]; ok {
			lim = q.String()
		}
		parts = append(parts, string(name)+" "+req+"/"+lim)
	}
	return strings.Join(parts, " ")
}

// revertByHand makes a revision restoring the one the revert-to annotation names (0: the
// Applications' own resources), then removes the annotation.
func (r *Reconciler) revertByHand(ctx context.Context, p *flotillav1alpha1.ResourcePolicy, f *fleetView,
	current map[appContainer]corev1.ResourceRequirements, s settings, now time.Time) error {
	raw := p.Annotations[flotillav1alpha1.AnnotationTuningRevert]
	actor := p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy]
	if actor == "" {
		actor = "unknown user"
	}
	target, after, err := revertTarget(p, f, raw)
	if err != nil {
		r.Events.Eventf(p, nil, corev1.EventTypeWarning, "RevertRefused", "Revert", "%s asked to revert to %q: %v", actor, raw, err)
	} else {
		r.newRevision(p, current, after, ReasonRevert, actor, fmt.Sprintf("restores revision %d", target), now)
		p.Status.HoldUntil = &metav1.Time{Time: now.Add(s.hold)}
	}
	patch := client.MergeFrom(p.DeepCopy())
	delete(p.Annotations, flotillav1alpha1.AnnotationTuningRevert)
	delete(p.Annotations, flotillav1alpha1.AnnotationTuningRevertBy)
	status := p.Status
	if err := r.Client.Patch(ctx, p, patch); err != nil {
		return fmt.Errorf("removing the %s annotation: %w", flotillav1alpha1.AnnotationTuningRevert, err)
	}
	p.Status = status
	return nil
}

// revertTarget resolves a revert-to value: a revision number, 0 for the Applications' own
// resources, or "previous" for what the current revision replaced.
func revertTarget(p *flotillav1alpha1.ResourcePolicy, f *fleetView, raw string) (int64, map[appContainer]corev1.ResourceRequirements, error) {
	after := map[appContainer]corev1.ResourceRequirements{}
	if raw == "previous" {
		cur := revision(p, p.Status.CurrentRevision)
		if cur == nil {
			return 0, nil, fmt.Errorf("there is no revision yet")
		}
		for _, c := range cur.Containers {
			after[appContainer{c.Application, c.Container}] = c.Before
		}
		return cur.Revision - 1, after, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, nil, fmt.Errorf("%q is not a revision number", raw)
	}
	if n == 0 {
		for k, rr := range f.templates {
			after[k] = tunedOnly(rr)
		}
		return 0, after, nil
	}
	rev := revision(p, n)
	if rev == nil {
		return 0, nil, fmt.Errorf("revision %d is not in the history (%s)", n, historyRange(p))
	}
	for _, c := range rev.Containers {
		after[appContainer{c.Application, c.Container}] = c.After
	}
	return n, after, nil
}

func historyRange(p *flotillav1alpha1.ResourcePolicy) string {
	h := p.Status.History
	if len(h) == 0 {
		return "it is empty"
	}
	return fmt.Sprintf("it holds %d to %d", h[0].Revision, h[len(h)-1].Revision)
}

func setCondition(p *flotillav1alpha1.ResourcePolicy, t string, ok bool, reason, msg string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{Type: t, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: p.Generation})
}

// conditions sets Profiling and Tuned.
func (r *Reconciler) conditions(p *flotillav1alpha1.ResourcePolicy, f *fleetView) {
	var samples int64
	for _, rec := range p.Status.Recommendations {
		samples += rec.Usage.Samples
	}
	if samples > 0 {
		setCondition(p, flotillav1alpha1.ConditionProfiling, true, "SamplesArriving", fmt.Sprintf("%d samples in the window", samples))
	} else {
		setCondition(p, flotillav1alpha1.ConditionProfiling, false, "NoSamples",
			"no usage sample yet: the members' kubelet resource metrics are read through their API servers' node proxy (needs get nodes/proxy)")
	}
	st := p.Status.Pods
	switch {
	case p.Status.CurrentRevision == 0:
		setCondition(p, flotillav1alpha1.ConditionTuned, false, "NoRevision", "no change made yet ("+string(p.Spec.Mode)+" mode)")
	case len(p.Status.Failures) > 0:
		f0 := p.Status.Failures[0]
		setCondition(p, flotillav1alpha1.ConditionTuned, false, "ResizeRefused",
			fmt.Sprintf("%d of %d pods run revision %d; %s/%s: %s (retry at %s)", st.Updated, st.Total, p.Status.CurrentRevision,
				f0.Cluster, f0.Pod, f0.Message, f0.RetryAt.UTC().Format(time.RFC3339)))
	case st.Updated < st.Total:
		setCondition(p, flotillav1alpha1.ConditionTuned, false, "Resizing", fmt.Sprintf("%d of %d pods run revision %d", st.Updated, st.Total, p.Status.CurrentRevision))
	default:
		setCondition(p, flotillav1alpha1.ConditionTuned, true, "Tuned", fmt.Sprintf("all %d pods run revision %d", st.Total, p.Status.CurrentRevision))
	}
}

func (r *Reconciler) writeStatus(ctx context.Context, orig, p *flotillav1alpha1.ResourcePolicy) error {
	if equality.Semantic.DeepEqual(orig.Status, p.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, p, client.MergeFrom(orig)))
}
