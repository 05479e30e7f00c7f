package traffic

import (
	"net/http"
	"sort"
	"strconv"
)

// MetricOffered is the demand set for an application (requests per second in front of the
// fleet, as a gateway would see it), whether or not any pod serves it: what wakes an
// application scaled to zero.
const MetricOffered = "flotilla_sample_offered_qps"

// Component is the name of the hub process `flotilla dev up` runs the generator as.
const Component = "flotilla-traffic"

// appKey names an application of the fleet.
type appKey struct{ namespace, app string }

// SetOffered sets the demand of one application in requests per second: from then on its
// serving pods in every cluster share that many requests per second (evenly, the remainder to
// the first pods in name order) instead of each getting Options.Rate. A negative qps returns
// the application to the per-pod rate.
func (g *Generator) SetOffered(namespace, app string, qps int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := appKey{namespace: namespace, app: app}
	if qps < 0 {
		delete(g.offered, k)
		g.metrics.offered.DeleteLabelValues(namespace, app)
		return
	}
	g.offered[k] = qps
	g.metrics.offered.WithLabelValues(namespace, app).Set(float64(qps))
}

// shares returns, for the serving pods of applications with a demand, how many requests each
// gets in one interval. Called with g.mu held.
func (g *Generator) shares() map[podKey]int {
	if len(g.offered) == 0 {
		return nil
	}
	serving := map[appKey][]podKey{}
	for k, st := range g.pods {
		a := appKey{namespace: st.series.Namespace, app: st.series.App}
		if _, ok := g.offered[a]; ok && st.goneSince.IsZero() && st.behaviour.Serving {
			serving[a] = append(serving[a], k)
		}
	}
	out := map[podKey]int{}
	for a, qps := range g.offered {
		pods := serving[a]
		if len(pods) == 0 {
			continue
		}
		sort.Slice(pods, func(i, j int) bool {
			return pods[i].cluster+"/"+pods[i].name < pods[j].cluster+"/"+pods[j].name
		})
		perInterval := int(float64(qps) * g.opts.Interval.Seconds())
		for i, k := range pods {
			out[k] = perInterval / len(pods)
			if i < perInterval%len(pods) {
				out[k]++
			}
		}
	}
	return out
}

// loadHandler serves PUT /load/{namespace}/{app}?qps=N (N < 0: back to the per-pod rate).
func (g *Generator) loadHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		http.Error(w, "use PUT /load/{namespace}/{app}?qps=N", http.StatusMethodNotAllowed)
		return
	}
	qps, err := strconv.Atoi(r.URL.Query().Get("qps"))
	if err != nil {
		http.Error(w, "qps must be a whole number of requests per second, e.g. ?qps=400", http.StatusBadRequest)
		return
	}
	g.SetOffered(r.PathValue("namespace"), r.PathValue("app"), qps)
	// The answer repeats the number only: names from the path are not echoed back.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("offered " + strconv.Itoa(qps) + " requests per second\n"))
}
