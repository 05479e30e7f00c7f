package recommender

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// parser reads standard 5-field cron expressions (and descriptors such as @daily).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Window is a parsed schedule.
type Window struct {
	Name     string
	schedule cron.Schedule
	loc      *time.Location
	duration time.Duration
	min, max *int32
}

// ParseSchedule reads one schedule; the error names what is wrong and how to fix it.
func ParseSchedule(s flotillav1alpha1.ScalingSchedule) (Window, error) {
	loc := time.UTC
	if s.TimeZone != "" {
		l, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return Window{}, fmt.Errorf("timeZone %q is not a known IANA time zone (such as \"Asia/Shanghai\" or \"Europe/Paris\")", s.TimeZone)
		}
		loc = l
	}
	sched, err := parser.Parse(s.Schedule)
	if err != nil {
		return Window{}, fmt.Errorf("schedule %q is not a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. \"30 19 * * *\"): %w", s.Schedule, err)
	}
	if s.Duration.Duration <= 0 {
		return Window{}, fmt.Errorf("duration %s must be positive", s.Duration.Duration)
	}
	return Window{Name: s.Name, schedule: sched, loc: loc, duration: s.Duration.Duration, min: s.MinReplicas, max: s.MaxReplicas}, nil
}

// Active says whether a window opened within the duration before now (inclusive of its start),
// and when the next change (the window closing, or the next opening) is due.
//
// A window is a fact of the clock, not an event to be caught: a controller that restarts while a
// window is open applies it for what is left of it, and a window that opened and closed while
// no controller ran is skipped.
func (w Window) Active(now time.Time) (bool, time.Time) {
	local := now.In(w.loc)
	start := w.schedule.Next(local.Add(-w.duration))
	if !start.After(local) {
		// Open: it closes at start+duration, unless a later firing reopens it first.
		return true, start.Add(w.duration)
	}
	return false, start
}
