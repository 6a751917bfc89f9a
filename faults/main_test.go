package faults

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

var (
	flagFull   = flag.Bool("faults.full", false, "run every scenario in its long form (10 times the calls)")
	flagReport = flag.String("faults.report", "", "write the report table to this file as well")
)

// The proxy and the upstream serve every scenario of the test binary.
var (
	proxyServer *toxiproxyServer
	origin      *upstream
	report      reportTable
)

// TestMain starts the toxiproxy server (installing it first if need be) and the upstream HTTP
// server, both on 127.0.0.1, runs the scenarios, prints the report, stops both servers and
// checks that no goroutine is left (goleak, after the servers are gone).
func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if proxyServer, err = startToxiproxy(); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	if origin, err = startUpstream(); err != nil {
		proxyServer.stop()
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	code := m.Run()
	origin.down()
	proxyServer.stop()
	if report.len() > 0 {
		fmt.Print(report.String())
		if *flagReport != "" {
			if err := os.WriteFile(*flagReport, []byte(report.String()), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "faults:", err)
				code = 1
			}
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "faults: goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}
