import Readers

@inline(__always)
func pipelineSleep(_ nanos: UInt64) { sleepNanos(nanos) }
