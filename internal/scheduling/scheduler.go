package scheduling

import (
	"slices"
	"strings"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Scheduler schedules with a configured set of plugins. It is immutable and safe for
// concurrent use.
type Scheduler struct {
	fw *framework.Framework
}

// New builds a Scheduler from a plugin registry and the plugins to enable, in filter order.
func New(registry framework.Registry, plugins []framework.PluginConfig) (*Scheduler, error) {
	fw, err := framework.New(registry, plugins)
	if err != nil {
		return nil, err
	}
	return &Scheduler{fw: fw}, nil
}

// Pseudo-plugin names used in Rejection.Plugin for steps that are not plugins.
const (
	stepExcluded      = "Excluded"
	stepStaticWeights = "StaticWeights"
	stepSpread        = "Spread"
)

// candidate is a cluster that passed the filters.
type candidate struct {
	cluster *Cluster
	score   int64
	prev    int32 // replicas held now
	inPrev  bool  // part of the current placement
	weight  uint64
	n       int64 // replicas assigned
	chosen  bool  // selected within the spread
	listed  bool  // part of the decision
}

// cycle is one scheduling pass.
type cycle struct {
	in       *Input
	w        *framework.Workload
	state    *framework.CycleState
	weights  *staticWeights
	rejected []Rejection
	notes    []string // why not everything fits, for Decision.Unschedulable
}

// Schedule places the workload; see the package function Schedule.
func (s *Scheduler) Schedule(in Input) (Decision, error) {
	if err := validate(&in); err != nil {
		return Decision{}, err
	}
	cy := &cycle{
		in:    &in,
		w:     &framework.Workload{Placement: &in.Placement, Replicas: in.Replicas, Previous: previousMap(in.Previous)},
		state: framework.NewCycleState(),
	}
	if err := s.fw.PreFilter(cy.state, cy.w); err != nil {
		return Decision{}, err
	}
	sw, err := newStaticWeights(&in.Placement.ReplicaScheduling)
	if err != nil {
		return Decision{}, err
	}
	cy.weights = sw
	cands := s.filter(cy)
	if len(cands) == 0 {
		return Decision{Unschedulable: noneFit(cy.rejected, len(in.Clusters)), Rejected: cy.sortedRejections()}, nil
	}
	s.score(cy, cands)
	ranked, ok := cy.selectClusters(cands)
	if !ok {
		return Decision{Unschedulable: cy.notes[0], Rejected: cy.sortedRejections()}, nil
	}
	cy.assign(cands, ranked)
	return cy.decision(cands), nil
}

func previousMap(prev []Assignment) map[string]int32 {
	m := make(map[string]int32, len(prev))
	for _, a := range prev {
		m[a.Name] = a.Replicas
	}
	return m
}

// filter runs the filters on every cluster, in name order, and returns those that pass.
func (s *Scheduler) filter(cy *cycle) []*candidate {
	clusters := make([]*Cluster, len(cy.in.Clusters))
	for i := range cy.in.Clusters {
		clusters[i] = &cy.in.Clusters[i]
	}
	slices.SortFunc(clusters, func(a, b *Cluster) int { return strings.Compare(a.Name, b.Name) })
	byWeights := cy.w.Divided() && cy.w.Division() == flotillav1alpha1.ReplicaDivisionStaticWeights
	cands := make([]*candidate, 0, len(clusters))
	for _, c := range clusters {
		if cy.in.Excluded[c.Name] {
			cy.reject(c.Name, stepExcluded, "excluded by the caller (e.g. being failed over)")
			continue
		}
		if r, ok := s.fw.Filter(cy.state, cy.w, c); !ok {
			cy.reject(c.Name, r.Plugin, r.Reason)
			continue
		}
		cand := &candidate{cluster: c}
		cand.prev, cand.inPrev = cy.w.Held(c.Name)
		if byWeights {
			wt := cy.weights.weight(c)
			if wt <= 0 {
				cy.reject(c.Name, stepStaticWeights, "weight 0: no entry of spec.placement.replicaScheduling.weights gives it a positive weight")
				continue
			}
			cand.weight = uint64(wt)
		}
		cands = append(cands, cand)
	}
	return cands
}

func (cy *cycle) reject(cluster, plugin, reason string) {
	cy.rejected = append(cy.rejected, Rejection{Cluster: cluster, Plugin: plugin, Reason: reason})
}

func (cy *cycle) sortedRejections() []Rejection {
	slices.SortFunc(cy.rejected, func(a, b Rejection) int { return strings.Compare(a.Cluster, b.Cluster) })
	return cy.rejected
}

// score sets every candidate's total score.
func (s *Scheduler) score(cy *cycle, cands []*candidate) {
	clusters := make([]*Cluster, len(cands))
	for i, c := range cands {
		clusters[i] = c.cluster
	}
	for i, total := range s.fw.Score(cy.state, cy.w, clusters) {
		cands[i].score = total
	}
}

// rankOrder sorts candidates best first: higher score, then part of the current placement,
// then name.
func rankOrder(a, b *candidate) int {
	switch {
	case a.score != b.score:
		if a.score > b.score {
			return -1
		}
		return 1
	case a.inPrev != b.inPrev:
		if a.inPrev {
			return -1
		}
		return 1
	}
	return strings.Compare(a.cluster.Name, b.cluster.Name)
}
