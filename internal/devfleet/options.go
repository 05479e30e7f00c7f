package devfleet

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/utils/clock"
)

// MaxMembers is the largest fleet `Up` starts; each member costs about 650 MiB of memory.
const MaxMembers = 20

// EnvHome overrides the default home folder of the local fleet.
const EnvHome = "FLOTILLA_HOME"

// Options configure Up.
type Options struct {
	// Home is the fleet's folder; "" means DefaultHome().
	Home string
	// Members is the number of member clusters, 1..MaxMembers.
	Members int
	// BinariesDir holds the pinned binaries; "" means binaries.DefaultPins.Find().
	BinariesDir string
	// Out receives one progress line per step; nil discards them.
	Out io.Writer
	// AfterUp runs once the fleet is healthy, on every Up (so it must be idempotent): the CLI
	// joins the members to the hub and deploys the sample application there. Nil does nothing.
	AfterUp func(ctx context.Context, f *Fleet) error
	// ExtraStages are KWOK Stage documents added to the built-in ones on every member.
	ExtraStages [][]byte
	// StopWithParent makes the processes die with the process that starts them (tests); by
	// default they outlive it.
	StopWithParent bool
	// Clock drives every wait; nil means the real clock.
	Clock clock.WithTicker
}

// DefaultHome is $FLOTILLA_HOME, else ~/.flotilla/dev.
func DefaultHome() (string, error) {
	if h := os.Getenv(EnvHome); h != "" {
		return h, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home folder: %w (set %s)", err, EnvHome)
	}
	return filepath.Join(home, ".flotilla", "dev"), nil
}

// validateMembers checks the member count.
func validateMembers(n int) error {
	if n < 1 || n > MaxMembers {
		return fmt.Errorf("members is %d: choose between 1 and %d (--members)", n, MaxMembers)
	}
	return nil
}

// complete fills defaults and validates.
func (o Options) complete() (Options, error) {
	if err := validateMembers(o.Members); err != nil {
		return o, err
	}
	if o.Home == "" {
		h, err := DefaultHome()
		if err != nil {
			return o, err
		}
		o.Home = h
	}
	abs, err := filepath.Abs(o.Home)
	if err != nil {
		return o, fmt.Errorf("home folder %q: %w", o.Home, err)
	}
	o.Home = abs
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return o, nil
}
