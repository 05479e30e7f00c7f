package audit

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAppend appends batches of 100 records, each batch fsynced.
func BenchmarkAppend(b *testing.B) {
	s, err := Open(b.TempDir(), Retention{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	batch := make([]Record, 100)
	n := 0
	for b.Loop() {
		for i := range batch {
			batch[i] = numbered(n)
			batch[i].Time = t0.Add(time.Duration(n) * time.Millisecond)
			batch[i].ID = ""
			n++
		}
		if err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkQuery queries a store of 100,000 records over 10 days.
func BenchmarkQuery(b *testing.B) {
	s, err := Open(b.TempDir(), Retention{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	const total = 100000
	users := []string{"alice", "bob", "carol", "flotilla-rollout", "flotilla-failover"}
	var batch []Record
	for i := range total {
		r := numbered(i)
		r.Time = t0.Add(time.Duration(i) * (10 * 24 * time.Hour / total))
		r.Actor.User = users[i%len(users)]
		r.Object.Name = fmt.Sprintf("app-%d", i%200)
		r.Clusters = []string{fmt.Sprintf("member-%d", i%7)}
		r.Before, r.After = "replicas 6", "replicas 9"
		batch = append(batch, r)
		if len(batch) == 1000 {
			if err := s.Append(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	last := t0.Add(10 * 24 * time.Hour)
	for _, bm := range []struct {
		name string
		f    Filter
	}{
		{"newest-100", Filter{}},
		{"one-app-all-days", Filter{Application: "app-7", Limit: MaxLimit}},
		{"one-user-last-hour", Filter{User: "alice", Since: last.Add(-time.Hour)}},
		{"rare-all-days", Filter{User: "nobody"}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			var got int
			for b.Loop() {
				recs, err := s.Query(ctx, bm.f)
				if err != nil {
					b.Fatal(err)
				}
				got = len(recs)
			}
			b.ReportMetric(float64(got), "records/query")
		})
	}
}
