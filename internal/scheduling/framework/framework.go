package framework

import "fmt"

// Framework runs a fixed, ordered set of plugins. Build it once with New and reuse it.
type Framework struct {
	preFilters []PreFilterPlugin
	filters    []FilterPlugin
	scorers    []weightedScorer
}

type weightedScorer struct {
	plugin ScorePlugin
	weight int64
}

// Rejection says which plugin rejected a cluster and why.
type Rejection struct {
	// Plugin is the name of the rejecting plugin.
	Plugin string
	// Reason is the plugin's reason.
	Reason string
}

// New builds the plugins named in configs, in order, from the registry. Filters run in the
// order given. An unknown name, a duplicate, a bad weight or bad args is an error.
func New(registry Registry, configs []PluginConfig) (*Framework, error) {
	fw := &Framework{}
	seen := make(map[string]bool, len(configs))
	for i, cfg := range configs {
		if seen[cfg.Name] {
			return nil, fmt.Errorf("plugins[%d]: plugin %q is enabled twice; list it once", i, cfg.Name)
		}
		seen[cfg.Name] = true
		if err := fw.add(registry, cfg); err != nil {
			return nil, fmt.Errorf("plugins[%d]: %w", i, err)
		}
	}
	return fw, nil
}

func (fw *Framework) add(registry Registry, cfg PluginConfig) error {
	factory, ok := registry[cfg.Name]
	if !ok {
		return fmt.Errorf("unknown scheduler plugin %q; known plugins: %v", cfg.Name, registry.Names())
	}
	if cfg.Weight < 0 || cfg.Weight > MaxWeight {
		return fmt.Errorf("plugin %q: weight %d is out of range; use 0 (meaning 1) to %d", cfg.Name, cfg.Weight, MaxWeight)
	}
	p, err := factory(cfg.Args)
	if err != nil {
		return fmt.Errorf("plugin %q: %w", cfg.Name, err)
	}
	if p == nil {
		return fmt.Errorf("plugin %q: its factory returned no plugin", cfg.Name)
	}
	return fw.classify(p, cfg.Weight)
}

func (fw *Framework) classify(p Plugin, weight int64) error {
	used := false
	if pf, ok := p.(PreFilterPlugin); ok {
		fw.preFilters = append(fw.preFilters, pf)
		used = true
	}
	if f, ok := p.(FilterPlugin); ok {
		fw.filters = append(fw.filters, f)
		used = true
	}
	if s, ok := p.(ScorePlugin); ok {
		if weight == 0 {
			weight = 1
		}
		fw.scorers = append(fw.scorers, weightedScorer{plugin: s, weight: weight})
		used = true
	}
	if !used {
		return fmt.Errorf("plugin %q implements no extension point (PreFilter, Filter or Score)", p.Name())
	}
	return nil
}

// PreFilter runs every PreFilterPlugin; the first error stops the cycle.
func (fw *Framework) PreFilter(state *CycleState, w *Workload) error {
	for _, p := range fw.preFilters {
		if err := p.PreFilter(state, w); err != nil {
			return err
		}
	}
	return nil
}

// Filter runs the FilterPlugins in order on one cluster and returns the first rejection, or
// ok = true when every plugin lets the cluster through.
func (fw *Framework) Filter(state *CycleState, w *Workload, c *Cluster) (Rejection, bool) {
	for _, p := range fw.filters {
		if r := p.Filter(state, w, c); !r.Fits {
			return Rejection{Plugin: p.Name(), Reason: r.Reason}, false
		}
	}
	return Rejection{}, true
}

// Score returns, index-aligned with clusters, the weighted sum of every ScorePlugin's score.
// Each plugin's scores are normalized (when it is a ScoreNormalizer) and clamped to
// [MinScore, MaxScore] before weighting.
func (fw *Framework) Score(state *CycleState, w *Workload, clusters []*Cluster) []int64 {
	total := make([]int64, len(clusters))
	scores := make([]int64, len(clusters))
	for _, s := range fw.scorers {
		for i, c := range clusters {
			scores[i] = s.plugin.Score(state, w, c)
		}
		if n, ok := s.plugin.(ScoreNormalizer); ok {
			n.NormalizeScore(state, w, clusters, scores)
		}
		for i := range scores {
			total[i] += s.weight * clamp(scores[i])
		}
	}
	return total
}

// MaxTotalScore is the highest total Score can return: MaxScore times the sum of weights.
func (fw *Framework) MaxTotalScore() int64 {
	var sum int64
	for _, s := range fw.scorers {
		sum += s.weight * MaxScore
	}
	return sum
}

func clamp(s int64) int64 {
	switch {
	case s < MinScore:
		return MinScore
	case s > MaxScore:
		return MaxScore
	}
	return s
}
