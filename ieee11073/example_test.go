package ieee11073_test

import (
	"encoding/hex"
	"fmt"

	"github.com/phdkit/phdkit/ieee11073"
)

// A blood pressure monitor with standard configuration 0x02BC sends a confirmed event report;
// the manager decodes it into observations.
func ExampleConfiguration_Observations() {
	msg, _ := hex.DecodeString("E700003E003C0054010100360000000000000D1D002CF00000000002002400010012" +
		"0003000600780050006420071206121000000002000AF2582007120612100000")

	var apdu ieee11073.APDU // reuse one per connection: decoding then allocates nothing
	if _, err := apdu.Unmarshal(msg); err != nil {
		fmt.Println(err)
		return
	}
	cfg, _ := ieee11073.StandardConfiguration(0x02BC)
	obs, err := cfg.Observations(make([]ieee11073.Observation, 0, 8), &apdu.PRST.EventReport)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(apdu.Choice, apdu.PRST.Choice, "invoke-id", apdu.PRST.InvokeID)
	for _, o := range obs {
		fmt.Println(o.Type, o.Value, ieee11073.Name(ieee11073.PartitionDim, o.Unit), o.Time)
	}
	// Output:
	// PRST roiv-cmip-confirmed-event-report invoke-id 84
	// MDC_PRESS_BLD_NONINV_SYS 120 MDC_DIM_MMHG 2007-12-06T12:10:00.00
	// MDC_PRESS_BLD_NONINV_DIA 80 MDC_DIM_MMHG 2007-12-06T12:10:00.00
	// MDC_PRESS_BLD_NONINV_MEAN 100 MDC_DIM_MMHG 2007-12-06T12:10:00.00
	// MDC_PULS_RATE_NON_INV 60.0 MDC_DIM_BEAT_PER_MIN 2007-12-06T12:10:00.00
}

// The manager answers a confirmed event report with a RORS carrying the same invoke-id and
// event type, encoded into a reused buffer.
func ExampleAPDU_AppendBinary() {
	rsp := ieee11073.APDU{Choice: ieee11073.ChoicePRST, PRST: ieee11073.DataAPDU{
		InvokeID: 0x0054,
		Choice:   ieee11073.MessageRORSConfirmedEventReport,
		EventReportResult: ieee11073.EventReportResult{
			EventType: ieee11073.MDCNotiScanReportFixed,
		},
	}}
	buf := make([]byte, 0, 64)
	buf, err := rsp.AppendBinary(buf[:0])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%X\n", buf)
	// Output:
	// E7000012001000540201000A0000000000000D1D0000
}

// An agent with an extended configuration sends it once; the manager checks it, remembers it
// by System ID and Config ID, and answers with the result.
func ExampleRegistry() {
	report, _ := hex.DecodeString("E7000044004299990101003C0000FFFFFFFF0D1C003240000001002C00060001" +
		"00040024092F000400024B5C0A460002F0400996000217A00A55000C000200080A56000409900008")
	var apdu ieee11073.APDU
	if _, err := apdu.Unmarshal(report); err != nil {
		fmt.Println(err)
		return
	}
	var registry ieee11073.Registry // the zero value accepts every well-formed configuration
	systemID := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}
	cfg, result, err := registry.Register(systemID, &apdu.PRST.EventReport.Report.Config)
	fmt.Println(result, err)
	o := cfg.Objects[0]
	fmt.Println(o.Handle, o.Type, ieee11073.Name(ieee11073.PartitionDim, o.Unit))
	again, _ := registry.Lookup(systemID, 0x4000)
	fmt.Println(again == cfg)
	// Output:
	// accepted-config <nil>
	// 1 MDC_TEMP_BODY MDC_DIM_DEGC
	// true
}

// FLOAT and SFLOAT values keep the precision the device sent.
func ExampleParseFloat() {
	a, _ := ieee11073.ParseFloat("2")
	b, _ := ieee11073.ParseFloat("2.0")
	fmt.Println(a == b, a.Float64() == b.Float64())
	fmt.Printf("%08X %08X\n", uint32(a), uint32(b))
	s := ieee11073.SFloat(0xF258)
	fmt.Println(s, s.Mantissa(), s.Exponent(), ieee11073.SFloatNRes.Kind())
	// Output:
	// false true
	// 00000002 FF000014
	// 60.0 600 -1 NRes
}
