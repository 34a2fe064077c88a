//go:build !race

package jsonarray

const raceEnabled = false
