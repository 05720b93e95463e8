package fusion_test

import (
	"testing"

	"github.com/phdkit/phdkit/fusion"
)

func BenchmarkRuleScorer(b *testing.B) {
	v := severeVitals()
	b.ReportAllocs()
	for b.Loop() {
		_ = fusion.RuleScorer{}.Assess(v)
	}
}

func BenchmarkNEWS2Scorer(b *testing.B) {
	v := severeVitals()
	b.ReportAllocs()
	for b.Loop() {
		_ = fusion.NEWS2Scorer{}.Assess(v)
	}
}

// TestScorersDoNotAllocate holds the scorers to zero allocations on complete vitals (an
// Assessment with problems allocates its Problems slice).
func TestScorersDoNotAllocate(t *testing.T) {
	v := severeVitals()
	for _, sc := range []fusion.Scorer{fusion.RuleScorer{}, fusion.NEWS2Scorer{}} {
		if n := testing.AllocsPerRun(100, func() { _ = sc.Assess(v) }); n != 0 {
			t.Errorf("%T.Assess allocates %v times", sc, n)
		}
	}
}
