package devfleet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// stopGrace is how long a component may take to exit after SIGTERM before it is killed. An API
// server otherwise waits up to 60 s for its watchers (controller-manager, scheduler, kwok) to
// go; the local fleet has nothing to drain, and fault tests want a prompt stop.
const stopGrace = 3 * time.Second

// Down stops every process of the fleet in home. Unless keepData is set it then removes the
// fleet's folders (certificates, data, logs, kubeconfigs); with keepData a later Up restarts
// the same fleet with its data. Down on a home without a fleet does nothing.
func Down(ctx context.Context, home string, keepData bool) error {
	if home == "" {
		h, err := DefaultHome()
		if err != nil {
			return err
		}
		home = h
	}
	c := clock.RealClock{}
	if _, err := os.Stat(home); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	unlock, err := lockHome(ctx, home, c)
	if err != nil {
		return err
	}
	defer unlock()
	f, err := Load(home)
	if err != nil && !errors.Is(err, ErrNoFleet) {
		return err
	}
	if f != nil {
		if err := f.stopAll(ctx); err != nil {
			return err
		}
	}
	if keepData {
		return nil
	}
	for _, name := range []string{"hub", "members", "hub.kubeconfig", StateFile, ".lock"} {
		if err := os.RemoveAll(filepath.Join(home, name)); err != nil {
			return err
		}
	}
	_ = os.Remove(home) // only if empty: the folder may be the user's
	return nil
}

// stopAll stops every cluster in parallel, each in reverse start order.
func (f *Fleet) stopAll(ctx context.Context) error {
	clusters := f.Clusters()
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	for i, c := range clusters {
		wg.Go(func() {
			for _, comp := range slices.Backward(c.Components) {
				if err := stopProcess(ctx, f.clock, comp, stopGrace); err != nil {
					errs[i] = errors.Join(errs[i], err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
