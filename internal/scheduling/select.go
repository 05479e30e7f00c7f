package scheduling

import (
	"fmt"
	"slices"
)

// selectClusters ranks the candidates (given in name order, left so) and chooses the best
// spec.placement.spread.maxClusters of them, returned best first. It fails, with a note, when
// fewer than minClusters passed the filters.
func (cy *cycle) selectClusters(cands []*candidate) ([]*candidate, bool) {
	minC, maxC := cy.spread()
	if len(cands) < minC {
		cy.notes = append(cy.notes, fmt.Sprintf(
			"spec.placement.spread.minClusters is %d but only %d of %d clusters fit (%s); %s",
			minC, len(cands), len(cy.in.Clusters), names(cands, 5), rejectionSummary(cy.rejected)))
		return nil, false
	}
	ranked := slices.Clone(cands)
	slices.SortFunc(ranked, rankOrder)
	if maxC > 0 && len(ranked) > maxC {
		for _, c := range ranked[maxC:] {
			cy.reject(c.cluster.Name, stepSpread, fmt.Sprintf(
				"spec.placement.spread.maxClusters is %d and %d clusters ranked higher (score %d)", maxC, maxC, c.score))
		}
		ranked = ranked[:maxC]
	}
	for _, c := range ranked {
		c.chosen = true
	}
	return ranked, true
}

func (cy *cycle) spread() (minC, maxC int) {
	if s := cy.in.Placement.Spread; s != nil {
		return int(s.MinClusters), int(s.MaxClusters)
	}
	return 0, 0
}
