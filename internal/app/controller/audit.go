package controller

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// recordWriter keeps audit records without blocking (an *audit.Recorder).
type recordWriter interface{ Record(audit.Record) }

// openTrail opens the audit trail the options ask for: a store in AuditDir, or records sent to
// AuditURL; nil when neither.
func openTrail(o Options, log logr.Logger) (*audit.Trail, error) {
	switch {
	case o.AuditDir != "":
		t, err := audit.OpenLocal(o.AuditDir, audit.Retention{MaxAge: o.AuditMaxAge, MaxBytes: o.AuditMaxBytes}, log.WithName("audit"))
		if err != nil {
			return nil, fmt.Errorf("--audit-dir: %w", err)
		}
		return t, nil
	case o.AuditURL != "":
		sink := &audit.HTTPSink{URL: o.AuditURL, Token: func() (string, error) { return readToken(o.AuditTokenFile) }}
		rec, err := audit.NewRecorder(sink, audit.RecorderOptions{Spool: o.AuditSpoolDir, Log: log.WithName("audit")})
		if err != nil {
			return nil, fmt.Errorf("--audit-spool-dir: %w", err)
		}
		return &audit.Trail{Recorder: rec}, nil
	}
	return nil, nil
}

// auditedManager is a manager whose event recorders also write every event as an audit record:
// what a controller announces as an event — a placement, a failover, a rollout step, an abort,
// a scale, a resize, a revert, a freeze — is what it did, with its reason.
type auditedManager struct {
	manager.Manager
	w        recordWriter
	clusters func() []string
	clock    clock.PassiveClock
}

// GetEventRecorder wraps the manager's recorder for name.
func (m auditedManager) GetEventRecorder(name string) events.EventRecorder {
	return &auditRecorder{EventRecorder: m.Manager.GetEventRecorder(name), controller: name, w: m.w, clusters: m.clusters, clock: m.clock}
}

type auditRecorder struct {
	events.EventRecorder
	controller string
	w          recordWriter
	clusters   func() []string
	clock      clock.PassiveClock
}

// failureReason marks event reasons that report an action that did not happen.
var failureReason = regexp.MustCompile(`(Failed|Refused|Blocked|Error|Unavailable|Invalid|Unreadable)$`)

// Eventf emits the event and records it.
func (r *auditRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	r.EventRecorder.Eventf(regarding, related, eventtype, reason, action, note, args...)
	msg := fmt.Sprintf(note, args...)
	rec := audit.Record{Time: r.clock.Now(), Source: audit.SourceFlotilla,
		Actor: audit.Actor{User: r.controller, Kind: audit.ActorController, Via: r.controller},
		Verb:  strings.ToLower(action), Reason: reason + ": " + msg, Outcome: audit.OutcomeSuccess, Object: objectRef(regarding)}
	if rec.Verb == "" {
		rec.Verb = strings.ToLower(reason)
	}
	if failureReason.MatchString(reason) {
		rec.Outcome, rec.Message = audit.OutcomeFailure, msg
	}
	rec.Clusters = mentioned(msg, r.clusters())
	r.w.Record(rec)
}

func objectRef(obj runtime.Object) audit.ObjectRef {
	if obj == nil {
		return audit.ObjectRef{Kind: "Unknown"}
	}
	ref := audit.ObjectRef{Kind: "Unknown"}
	if gvk, err := apiutil.GVKForObject(obj, scheme.Scheme); err == nil {
		ref.APIGroup, ref.Kind = gvk.Group, gvk.Kind
	}
	if m, err := meta.Accessor(obj); err == nil {
		ref.Namespace, ref.Name = m.GetNamespace(), m.GetName()
	}
	return ref
}

// mentioned returns the cluster names that appear as words in msg.
func mentioned(msg string, clusters []string) []string {
	var out []string
	for _, c := range clusters {
		for i := strings.Index(msg, c); i >= 0; {
			end := i + len(c)
			if (i == 0 || !wordByte(msg[i-1])) && (end == len(msg) || !wordByte(msg[end])) {
				out = append(out, c)
				break
			}
			next := strings.Index(msg[i+1:], c)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	return out
}

func wordByte(b byte) bool {
	return b == '-' || b == '_' || b == '.' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}
