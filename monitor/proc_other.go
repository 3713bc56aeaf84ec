//go:build !unix

package monitor

import (
	"runtime"
	"time"
)

// processCPUTime is not measured on this platform; /varz reports 0% CPU.
func processCPUTime() time.Duration { return 0 }

// residentBytes approximates resident memory by what the Go runtime obtained
// from the operating system.
func residentBytes() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys)
}
