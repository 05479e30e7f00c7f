package scheduling

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/plugins/capacity"
)

// assign gives the chosen clusters their replicas and marks which are listed in the decision.
// cands are all candidates in name order; selected are the chosen ones, best first.
func (cy *cycle) assign(cands, selected []*candidate) {
	if !cy.w.Divided() {
		for _, c := range selected {
			c.n, c.listed = int64(cy.in.Replicas), true
		}
		cy.noteOverCapacity(selected)
		return
	}
	if cy.w.ByCapacity() {
		cy.weighByRoom(selected)
	}
	byName := make([]*candidate, 0, len(selected))
	for _, c := range cands {
		if c.chosen {
			byName = append(byName, c)
		}
	}
	weights := make([]uint64, len(byName))
	prev := make([]int64, len(byName))
	for i, c := range byName {
		weights[i], prev[i] = c.weight, int64(c.prev)
	}
	for i, n := range apportion(int64(cy.in.Replicas), weights, prev) {
		byName[i].n = n
	}
	cy.list(selected)
	if !cy.w.ByCapacity() {
		cy.noteOverCapacity(selected)
	}
}

// weighByRoom sets each cluster's weight to its room; when no cluster has a known room (only
// possible with the Capacity plugin disabled) every cluster weighs 1.
func (cy *cycle) weighByRoom(selected []*candidate) {
	var total uint64
	for _, c := range selected {
		if room := capacity.Room(cy.w, c.cluster); room > 0 {
			c.weight = uint64(room)
			total += c.weight
		}
	}
	switch {
	case total == 0:
		for _, c := range selected {
			c.weight = 1
		}
		cy.notes = append(cy.notes, "AvailableCapacity: no selected cluster has a known room for this pod template; replicas are divided equally")
	case replicas(cy.in.Replicas) > total:
		cy.notes = append(cy.notes, fmt.Sprintf(
			"AvailableCapacity: the selected clusters have room for %d of %d replicas; all are divided in proportion to room and %d will stay Pending until room frees up",
			total, cy.in.Replicas, replicas(cy.in.Replicas)-total))
	}
}

// list marks the Divided clusters that appear in the decision: those given replicas, those
// already in the placement (kept at zero while they stay selected, so a later scale-up finds
// them), and the best others until spec.placement.spread.minClusters are listed.
func (cy *cycle) list(selected []*candidate) {
	count := 0
	for _, c := range selected {
		if c.n > 0 || c.inPrev {
			c.listed = true
			count++
		}
	}
	minC, _ := cy.spread()
	for _, c := range selected {
		if count >= minC {
			return
		}
		if !c.listed {
			c.listed = true
			count++
		}
	}
}

// noteOverCapacity notes clusters given more replicas than their known room.
func (cy *cycle) noteOverCapacity(selected []*candidate) {
	var over []string
	for _, c := range selected {
		room := capacity.Room(cy.w, c.cluster)
		if room >= 0 && c.n > room {
			over = append(over, fmt.Sprintf("%s (room %d for %d)", c.cluster.Name, room, c.n))
		}
	}
	if len(over) == 0 {
		return
	}
	slices.Sort(over)
	cy.notes = append(cy.notes, fmt.Sprintf("Capacity: %d clusters lack room for their replicas, which may stay Pending: %s",
		len(over), truncate(over, 5)))
}

// decision builds the Decision from the candidates, in name order.
func (cy *cycle) decision(cands []*candidate) Decision {
	d := Decision{Clusters: make([]Assignment, 0, len(cands))}
	for _, c := range cands {
		if c.listed {
			d.Clusters = append(d.Clusters, Assignment{Name: c.cluster.Name, Replicas: toInt32(c.n), Reason: cy.reason(c)})
		}
	}
	d.Unschedulable = strings.Join(cy.notes, "; ")
	d.Rejected = cy.sortedRejections()
	return d
}

func (cy *cycle) reason(c *candidate) string {
	score := strconv.FormatInt(c.score, 10)
	switch {
	case !cy.w.Divided():
		return string(flotillav1alpha1.ReplicaSchedulingDuplicated) + ": selected with score " + score
	case cy.w.ByCapacity():
		return string(flotillav1alpha1.ReplicaDivisionAvailableCapacity) + ": room " + strconv.FormatUint(c.weight, 10) + ", score " + score
	}
	return string(flotillav1alpha1.ReplicaDivisionStaticWeights) + ": weight " + strconv.FormatUint(c.weight, 10) + ", score " + score
}

// replicas converts a validated, non-negative replica count.
func replicas(n int32) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// toInt32 converts a replica count, which is at most the desired total (an int32); it clamps
// rather than fail so that a bug cannot crash the controller.
func toInt32(n int64) int32 {
	switch {
	case n < 0:
		return 0
	case n > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(n)
}
