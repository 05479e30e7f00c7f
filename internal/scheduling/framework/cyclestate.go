package framework

// CycleState carries what plugins computed in PreFilter to their Filter and Score calls within
// one scheduling cycle. It is created per cycle and not shared between goroutines.
type CycleState struct {
	data map[string]any
}

// NewCycleState returns an empty CycleState.
func NewCycleState() *CycleState {
	return &CycleState{data: make(map[string]any, 4)}
}

// Write stores a value under key, usually the plugin's name.
func (s *CycleState) Write(key string, v any) {
	s.data[key] = v
}

// Read returns the value stored under key, or nil.
func (s *CycleState) Read(key string) any {
	return s.data[key]
}
