package ai.bud.metrics.analytics;

/** The key of a cached analytics answer: the same request in another format is another entry. */
record AnswerKey(AnalyticsRequest request, AnswerFormat format) {
}
