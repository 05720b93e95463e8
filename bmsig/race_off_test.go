//go:build !race

package bmsig

const raceEnabled = false
