package scheduling

import (
	"fmt"
	"strings"
)

// noneFit explains why no cluster passed the filters, grouping the rejections by plugin.
func noneFit(rejected []Rejection, total int) string {
	if total == 0 {
		return "no member clusters: join a cluster to the fleet first"
	}
	return fmt.Sprintf("0 of %d clusters fit: %s", total, rejectionSummary(rejected))
}

// rejectionSummary groups rejections by plugin, in order of first appearance, with up to three
// examples each: "ClusterReady rejected 2 (a: cluster is not Ready; b: ...)".
func rejectionSummary(rejected []Rejection) string {
	if len(rejected) == 0 {
		return "no cluster was rejected"
	}
	var order []string
	byPlugin := map[string][]Rejection{}
	for _, r := range rejected {
		if _, ok := byPlugin[r.Plugin]; !ok {
			order = append(order, r.Plugin)
		}
		byPlugin[r.Plugin] = append(byPlugin[r.Plugin], r)
	}
	parts := make([]string, 0, len(order))
	for _, p := range order {
		rs := byPlugin[p]
		examples := make([]string, 0, 3)
		for _, r := range rs[:min(3, len(rs))] {
			examples = append(examples, r.Cluster+": "+r.Reason)
		}
		more := ""
		if len(rs) > 3 {
			more = fmt.Sprintf("; and %d more", len(rs)-3)
		}
		parts = append(parts, fmt.Sprintf("%s rejected %d (%s%s)", p, len(rs), strings.Join(examples, "; "), more))
	}
	return strings.Join(parts, ", ")
}

// names lists up to n candidate names.
func names(cands []*candidate, n int) string {
	s := make([]string, 0, len(cands))
	for _, c := range cands {
		s = append(s, c.cluster.Name)
	}
	if len(s) == 0 {
		return "none"
	}
	return truncate(s, n)
}

// truncate joins up to n items and says how many were left out.
func truncate(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
