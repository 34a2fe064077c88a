//go:build race

package jsonarray

// raceEnabled makes the long tests shorter under the race detector.
const raceEnabled = true
