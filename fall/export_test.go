package fall

import "fmt"

func DebugState(d *Detector) string {
	return fmt.Sprintf("state=%d trig=%v hold=%v/%v act=%.3f peak=%.2f", d.state, d.trigT, d.holding, d.holdStart, d.act, d.peak)
}
