package fall

// Alpha exposes alpha to the external tests.
var Alpha = alpha
