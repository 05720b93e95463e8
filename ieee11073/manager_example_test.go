package ieee11073_test

import (
	"context"
	"fmt"
	"net"

	"github.com/phdkit/phdkit/ieee11073"
)

// A manager serving agents on a loopback port, and an agent that associates, sends one
// blood pressure measurement and releases.
func Example_agentAndManager() {
	observations := make(chan string, 10)
	m, err := ieee11073.NewManager(ieee11073.ManagerConfig{
		OnObservations: func(info *ieee11073.AssociationInfo, _ *ieee11073.EventReportArgument, obs []ieee11073.Observation) error {
			for _, o := range obs {
				observations <- fmt.Sprintf("%v = %v", o.Type, o.Value)
			}
			return nil // nil: the report is confirmed to the agent
		},
	})
	if err != nil {
		panic(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go m.Serve(l)
	defer m.Shutdown(context.Background())

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	a, err := ieee11073.NewAgent(c, ieee11073.AgentConfig{ConfigID: 0x02BC}) // 10407 blood pressure
	if err != nil {
		panic(err)
	}
	defer a.Close()
	ctx := context.Background()
	if err := a.Associate(ctx); err != nil {
		panic(err)
	}
	value := func(m int32) ieee11073.Float { f, _ := ieee11073.NewFloat(m, 0); return f }
	err = a.SendObservations(ctx, []ieee11073.Observation{
		{Handle: 1, Value: value(120)}, // systolic, diastolic, mean: one compound object
		{Handle: 1, Value: value(80)},
		{Handle: 1, Value: value(93)},
		{Handle: 2, Value: value(64)}, // pulse rate
	}, true)
	if err != nil {
		panic(err)
	}
	if err := a.Release(ctx); err != nil {
		panic(err)
	}
	for range 4 {
		fmt.Println(<-observations)
	}
	// Output:
	// MDC_PRESS_BLD_NONINV_SYS = 120
	// MDC_PRESS_BLD_NONINV_DIA = 80
	// MDC_PRESS_BLD_NONINV_MEAN = 93
	// MDC_PULS_RATE_NON_INV = 64
}
