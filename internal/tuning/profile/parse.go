package profile

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The series a profile is made of; every other series is skipped.
const (
	cpuSeries    = "container_cpu_usage_seconds_total"
	memorySeries = "container_memory_working_set_bytes"
)

// maxLineBytes bounds one line of a scrape; a longer line is an error.
const maxLineBytes = 1 << 20

// Sample is one reading of one container, from one scrape.
type Sample struct {
	Namespace, Pod, Container string
	// CPUSeconds is the container's cumulative CPU time in core-seconds
	// (container_cpu_usage_seconds_total), valid when HasCPU.
	CPUSeconds float64
	// HasCPU is false when the scrape had no CPU counter for the container, or it was not a
	// finite number ≥ 0 (NaN, ±Inf or negative).
	HasCPU bool
	// MemoryBytes is the container's working set in bytes (container_memory_working_set_bytes),
	// valid when HasMemory.
	MemoryBytes float64
	// HasMemory is false when the scrape had no working set for the container, or it was not a
	// finite number ≥ 0.
	HasMemory bool
	// Time is when the kubelet took the reading: the series' timestamp when it has one, the
	// scrape time otherwise.
	Time time.Time
}

// ParseResourceMetrics reads a kubelet's /metrics/resource document (the Prometheus text
// exposition format) and returns one Sample per container and reading time, sorted by
// namespace, pod, container and time. Only container_cpu_usage_seconds_total and
// container_memory_working_set_bytes series with non-empty namespace, pod and container labels
// are used; other series, comments and blank lines are skipped. A series' timestamp (Unix
// milliseconds) is its reading's time; a series without one was read at scrapeTime. The CPU
// and memory series of a container make one Sample when their times are equal and two
// otherwise. When the same series appears twice, the last one wins.
//
// A line that is not valid text format, whatever its series, makes the whole document an
// error that names the line (counted from 1). ParseResourceMetrics does not panic on any
// input.
func ParseResourceMetrics(r io.Reader, scrapeTime time.Time) ([]Sample, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	var (
		p     lineParser
		out   []Sample
		index = map[sampleID]int{}
		n     int
	)
	for sc.Scan() {
		n++
		ok, err := p.parse(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !ok {
			continue
		}
		isCPU := p.nameIs(cpuSeries)
		if !isCPU && !p.nameIs(memorySeries) {
			continue
		}
		id, ok := p.sampleID()
		if !ok {
			continue
		}
		i, seen := index[id]
		if !seen {
			t := scrapeTime
			if id.hasTime {
				t = time.UnixMilli(id.millis)
			}
			i = len(out)
			index[id] = i
			out = append(out, Sample{Namespace: id.namespace, Pod: id.pod, Container: id.container, Time: t})
		}
		valid := usable(p.value)
		if isCPU {
			out[i].CPUSeconds, out[i].HasCPU = 0, valid
			if valid {
				out[i].CPUSeconds = p.value
			}
		} else {
			out[i].MemoryBytes, out[i].HasMemory = 0, valid
			if valid {
				out[i].MemoryBytes = p.value
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, maxLineBytes)
		}
		return nil, fmt.Errorf("reading line %d: %w", n+1, err)
	}
	slices.SortFunc(out, func(a, b Sample) int {
		return cmp.Or(
			strings.Compare(a.Namespace, b.Namespace),
			strings.Compare(a.Pod, b.Pod),
			strings.Compare(a.Container, b.Container),
			a.Time.Compare(b.Time),
		)
	})
	return out, nil
}

// usable reports whether v is a value a profile can use: finite and ≥ 0.
func usable(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

type sampleID struct {
	namespace, pod, container string
	millis                    int64
	hasTime                   bool
}

// lineParser parses one line of the text format at a time, reusing its buffers. Names and
// label values are kept as they appear on the line (still escaped when quoted), so lines of
// series that are skipped cost no allocation.
type lineParser struct {
	name       []byte
	nameQuoted bool
	labels     []rawLabel
	value      float64
	millis     int64
	hasTime    bool
}

type rawLabel struct {
	name       []byte
	nameQuoted bool
	value      []byte // escaped
}

// parse parses one line. It returns false for a blank line or a comment.
func (p *lineParser) parse(b []byte) (bool, error) {
	i := skipBlank(b, 0)
	if i == len(b) || b[i] == '#' {
		return false, nil
	}
	p.name, p.nameQuoted, p.labels, p.hasTime, p.millis = nil, false, p.labels[:0], false, 0
	if b[i] != '{' {
		j := scanName(b, i, true)
		if j == i {
			return false, fmt.Errorf("invalid metric name at column %d", i+1)
		}
		p.name = b[i:j]
		i = skipBlank(b, j)
		if i == j && i < len(b) && b[i] != '{' {
			return false, fmt.Errorf("invalid character %q in metric name", b[i])
		}
	}
	if i < len(b) && b[i] == '{' {
		var err error
		if i, err = p.parseLabels(b, i); err != nil {
			return false, err
		}
		i = skipBlank(b, i)
	}
	if len(p.name) == 0 {
		return false, errors.New("missing metric name")
	}
	j := scanToken(b, i)
	if j == i {
		return false, errors.New("missing value")
	}
	v, err := strconv.ParseFloat(string(b[i:j]), 64)
	if err != nil {
		return false, fmt.Errorf("invalid value %q", b[i:j])
	}
	p.value = v
	i = skipBlank(b, j)
	if i == len(b) {
		return true, nil
	}
	j = scanToken(b, i)
	ts, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	if err != nil {
		return false, fmt.Errorf("invalid timestamp %q", b[i:j])
	}
	p.millis, p.hasTime = ts, true
	if i = skipBlank(b, j); i != len(b) {
		return false, fmt.Errorf("unexpected %q after the timestamp", b[i:])
	}
	return true, nil
}

// parseLabels parses a label set starting at b[i] == '{' and returns the index after its '}'.
func (p *lineParser) parseLabels(b []byte, i int) (int, error) {
	i++
	for {
		i = skipBlank(b, i)
		if i == len(b) {
			return 0, errors.New("unterminated label set")
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		var (
			name   []byte
			quoted bool
		)
		if b[i] == '"' {
			j, err := scanQuoted(b, i)
			if err != nil {
				return 0, err
			}
			name, quoted = b[i+1:j-1], true
			if len(name) == 0 {
				return 0, fmt.Errorf("empty name at column %d", i+1)
			}
			i = skipBlank(b, j)
			if i == len(b) || b[i] != '=' {
				// A quoted string on its own is the metric name.
				if p.name != nil {
					return 0, errors.New("metric name given twice")
				}
				p.name, p.nameQuoted = name, true
				name = nil
			}
		} else {
			j := scanName(b, i, false)
			if j == i {
				return 0, fmt.Errorf("invalid label name at column %d", i+1)
			}
			name = b[i:j]
			i = skipBlank(b, j)
		}
		if name != nil {
			if i == len(b) || b[i] != '=' {
				return 0, fmt.Errorf("expected '=' after label %q", name)
			}
			i = skipBlank(b, i+1)
			if i == len(b) || b[i] != '"' {
				return 0, fmt.Errorf("expected a quoted value for label %q", name)
			}
			j, err := scanQuoted(b, i)
			if err != nil {
				return 0, err
			}
			for _, l := range p.labels {
				if bytes.Equal(l.name, name) && l.nameQuoted == quoted {
					return 0, fmt.Errorf("label %q given twice", name)
				}
			}
			p.labels = append(p.labels, rawLabel{name: name, nameQuoted: quoted, value: b[i+1 : j-1]})
			i = skipBlank(b, j)
		}
		if i == len(b) {
			return 0, errors.New("unterminated label set")
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return 0, fmt.Errorf("expected ',' or '}' at column %d", i+1)
		}
	}
}

// nameIs reports whether the line's metric name is name.
func (p *lineParser) nameIs(name string) bool {
	if p.nameQuoted {
		return unescape(p.name) == name
	}
	return string(p.name) == name
}

// sampleID returns the container the line is about; false without a non-empty namespace, pod
// and container.
func (p *lineParser) sampleID() (sampleID, bool) {
	id := sampleID{millis: p.millis, hasTime: p.hasTime}
	for _, l := range p.labels {
		name := string(l.name)
		if l.nameQuoted {
			name = unescape(l.name)
		}
		switch name {
		case "namespace":
			id.namespace = unescape(l.value)
		case "pod":
			id.pod = unescape(l.value)
		case "container":
			id.container = unescape(l.value)
		}
	}
	return id, id.namespace != "" && id.pod != "" && id.container != ""
}

func skipBlank(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// scanToken returns the end of the run of non-blank bytes starting at i.
func scanToken(b []byte, i int) int {
	for i < len(b) && b[i] != ' ' && b[i] != '\t' {
		i++
	}
	return i
}

// scanName returns the end of the metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or label name
// ([a-zA-Z_][a-zA-Z0-9_]*) starting at i; i when there is none.
func scanName(b []byte, i int, metric bool) int {
	start := i
	for ; i < len(b); i++ {
		c := b[i]
		ok := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			i > start && '0' <= c && c <= '9' || metric && c == ':'
		if !ok {
			break
		}
	}
	return i
}

// scanQuoted checks the quoted string starting at b[i] == '"' and returns the index after its
// closing quote. The only escapes are \\, \" and \n, and the text must be valid UTF-8.
func scanQuoted(b []byte, i int) (int, error) {
	start := i
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if i+1 == len(b) {
				return 0, errors.New("unterminated quoted string")
			}
			i++
			if c := b[i]; c != '\\' && c != '"' && c != 'n' {
				return 0, fmt.Errorf("invalid escape sequence \\%c in a quoted string", c)
			}
		case '"':
			if !utf8.Valid(b[start+1 : i]) {
				return 0, errors.New("quoted string is not valid UTF-8")
			}
			return i + 1, nil
		}
	}
	return 0, errors.New("unterminated quoted string")
}

// unescape returns the text of a quoted string checked by scanQuoted, without its quotes.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) {
			i++
			c = b[i]
			if c == 'n' {
				c = '\n'
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
