package profile

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fill gives a policy's profiles a few hours of samples from three pods.
func fill(s *Store, policy string, from time.Time, d time.Duration) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []string{"web", "sidecar"} {
		key := Key{Policy: policy, Container: c}
		for pod := range 3 {
			podKey := "c/ns/" + c + string(rune('a'+pod))
			cpu := 0.0
			for at := time.Duration(0); at < d; at += 10 * time.Second {
				cpu += rng.Float64() * 5
				s.Observe(key, podKey, Sample{
					CPUSeconds: cpu, HasCPU: true,
					MemoryBytes: float64(100<<20 + rng.IntN(50<<20)), HasMemory: true,
					Time: from.Add(at),
				})
			}
		}
	}
}

func summaries(s *Store, policy string, now time.Time) map[string]Summary {
	out := map[string]Summary{}
	for _, c := range s.Containers(policy) {
		sum, _ := s.Summary(Key{Policy: policy, Container: c}, now)
		sum.LastMemory, sum.Pods = 0, 0 // the state of pods is not checkpointed
		out[c] = sum
	}
	return out
}

func TestCheckpointRoundTrip(t *testing.T) {
	src := NewStore(Options{})
	fill(src, "ns/web", t0, 5*time.Hour)
	fill(src, "ns/other", t0, time.Hour)
	data, err := src.Checkpoint("ns/web")
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(5 * time.Hour)

	dst := NewStore(Options{})
	fill(dst, "ns/web", t0.Add(-10*time.Hour), time.Hour) // replaced by the restore
	fill(dst, "ns/other", t0, 2*time.Hour)                // untouched
	otherBefore := summaries(dst, "ns/other", now)
	if err := dst.Restore("ns/web", data, now); err != nil {
		t.Fatal(err)
	}
	if got, want := summaries(dst, "ns/web", now), summaries(src, "ns/web", now); !reflect.DeepEqual(got, want) {
		t.Errorf("restored summaries differ:\n got  %+v\n want %+v", got, want)
	}
	if got := summaries(dst, "ns/other", now); !reflect.DeepEqual(got, otherBefore) {
		t.Errorf("another policy changed")
	}
	// The restored profiles keep the checkpoint's slices exactly: a second checkpoint is
	// the same bytes.
	again, err := dst.Checkpoint("ns/web")
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("checkpoint of the restored profiles differs")
	}
	// Pods start over: no CPU rate from a counter taken before the restore.
	if r := dst.Observe(Key{"ns/web", "web"}, "c/ns/weba", Sample{CPUSeconds: 1e9, HasCPU: true, Time: now}); r.HasCPU {
		t.Errorf("rate from a counter before the restore: %+v", r)
	}
}

func TestCheckpointEmptyPolicy(t *testing.T) {
	s := NewStore(Options{})
	fill(s, "ns/web", t0, time.Hour)
	empty, err := NewStore(Options{}).Checkpoint("ns/web")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Restore("ns/web", empty, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := s.Containers("ns/web"); len(got) != 0 {
		t.Errorf("containers after restoring an empty checkpoint: %v", got)
	}
}

func TestRestoreDropsExpiredSlices(t *testing.T) {
	src := NewStore(Options{Window: 6 * time.Hour, Slices: 6})
	fill(src, "ns/web", t0, 5*time.Hour)
	data, _ := src.Checkpoint("ns/web")
	later := t0.Add(8 * time.Hour)
	dst := NewStore(Options{Window: 6 * time.Hour, Slices: 6})
	if err := dst.Restore("ns/web", data, later); err != nil {
		t.Fatal(err)
	}
	want := summaries(src, "ns/web", later)
	if got := summaries(dst, "ns/web", later); !reflect.DeepEqual(got, want) {
		t.Errorf("restored summaries differ:\n got  %+v\n want %+v", got, want)
	}
	dst.mu.Lock()
	n := len(dst.profile(Key{"ns/web", "web"}).slices)
	dst.mu.Unlock()
	if n != 2 { // of hours 0 to 4, hours 3 and 4 are inside the window at hour 8
		t.Errorf("%d slices restored, want 2", n)
	}
	// Restored long after: nothing is left.
	if err := dst.Restore("ns/web", data, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := dst.Containers("ns/web"); len(got) != 0 {
		t.Errorf("containers restored outside the window: %v", got)
	}
}

func TestRestoreOtherSliceDuration(t *testing.T) {
	src := NewStore(Options{Window: 24 * time.Hour, Slices: 96}) // 15-minute slices
	fill(src, "ns/web", t0, 5*time.Hour)
	data, _ := src.Checkpoint("ns/web")
	now := t0.Add(5 * time.Hour)
	dst := NewStore(Options{}) // hourly
	if err := dst.Restore("ns/web", data, now); err != nil {
		t.Fatal(err)
	}
	want := summaries(src, "ns/web", now)
	got := summaries(dst, "ns/web", now)
	for c, w := range want {
		g := got[c]
		if g.Samples != w.Samples || g.CPUSamples != w.CPUSamples || g.Memory.Max() != w.Memory.Max() ||
			g.CPU.Percentile(90) != w.CPU.Percentile(90) || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) {
			t.Errorf("%s: re-sliced summary %+v, want %+v", c, g, w)
		}
	}
	dst.mu.Lock()
	n := len(dst.profile(Key{"ns/web", "web"}).slices)
	dst.mu.Unlock()
	if n != 5 {
		t.Errorf("%d hourly slices, want 5", n)
	}
}

func TestRestoreErrors(t *testing.T) {
	src := NewStore(Options{})
	fill(src, "ns/web", t0, 2*time.Hour)
	good, _ := src.Checkpoint("ns/web")
	raw, _ := base64.StdEncoding.DecodeString(string(good))
	encode := func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }
	flip := func(i int) []byte {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x10
		return encode(b)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not base64", []byte("{not base64}"), "not base64"},
		{"empty", nil, "not a profile checkpoint"},
		{"JSON", encode([]byte(`{"version":1}`)), "not a profile checkpoint"},
		{"other version", flip(4), "version"},
		{"flipped bit", flip(len(raw) / 2), "checksum"},
		{"flipped checksum", flip(len(raw) - 1), "checksum"},
		{"truncated", encode(raw[:len(raw)-10]), "checksum"},
		{"other policy", func() []byte { d, _ := src.Checkpoint("ns/other"); return d }(), "policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := NewStore(Options{})
			fill(dst, "ns/web", t0, time.Hour)
			before := summaries(dst, "ns/web", t0.Add(2*time.Hour))
			err := dst.Restore("ns/web", tt.data, t0.Add(2*time.Hour))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one about %q", err, tt.want)
			}
			if got := summaries(dst, "ns/web", t0.Add(2*time.Hour)); !reflect.DeepEqual(got, before) {
				t.Errorf("a failed restore changed the store")
			}
		})
	}
}

func FuzzRestore(f *testing.F) {
	src := NewStore(Options{})
	fill(src, "ns/web", t0, time.Hour)
	good, _ := src.Checkpoint("ns/web")
	raw, _ := base64.StdEncoding.DecodeString(string(good))
	f.Add(raw[:len(raw)-4])
	f.Fuzz(func(t *testing.T, body []byte) {
		// Fuzz the body with a valid checksum, so the decoder itself is exercised.
		b := append([]byte(nil), body...)
		b = appendChecksum(b)
		s := NewStore(Options{})
		if err := s.Restore("ns/web", []byte(base64.StdEncoding.EncodeToString(b)), t0.Add(time.Hour)); err != nil {
			return
		}
		for _, c := range s.Containers("ns/web") {
			sum, ok := s.Summary(Key{"ns/web", c}, t0.Add(time.Hour))
			if !ok {
				continue
			}
			for _, d := range []Distribution{sum.CPU, sum.Memory} {
				if p := d.Percentile(50); p < 0 || p > d.Max() {
					t.Fatalf("percentile %v, max %v", p, d.Max())
				}
			}
		}
	})
}

func appendChecksum(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}
