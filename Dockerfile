# syntax=docker/dockerfile:1
# One image for every llmq role: `docker run IMAGE ingest ...`, `... worker ...`, `... usage-aggregator ...`,
# `... mock-llm ...`, `... topics create ...` (the command is a subcommand of `llmq`; `--help` lists them).
# Checked without a Docker engine by cli/src/test/java/dev/llmq/cli/DeploymentDockerfileTest.java.

# ---- build: the Maven wrapper on a JDK 21, the cli module and what it depends on ----
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
# the reactor reads every module's pom, so all of them are copied; sources follow
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY config/ config/
COPY schemas/ schemas/
COPY provider-lib/ provider-lib/
COPY router-lib/ router-lib/
COPY runtime/ runtime/
COPY testkit/ testkit/
COPY ingest-api/ ingest-api/
COPY worker/ worker/
COPY usage-aggregator/ usage-aggregator/
COPY cli/ cli/
COPY bench/ bench/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -DskipTests package -pl cli -am

# ---- run: a JRE 21, a non-root user, the one shaded jar ----
FROM eclipse-temurin:21-jre
# curl for docker-compose.yml's healthchecks (Compose runs them inside the container; the Helm chart's probes are
# httpGet and need nothing)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 llmq \
    && useradd --system --uid 10001 --gid llmq --home-dir /var/lib/llmq --create-home llmq
COPY --from=build /src/cli/target/llmq.jar /opt/llmq/llmq.jar
USER 10001:10001
WORKDIR /var/lib/llmq
# the roles' HTTP ports by default: ingest 4000, broker health 4001, worker health 4002, usage aggregator 4003,
# mock LLM 4010
EXPOSE 4000 4002 4003 4010
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "/opt/llmq/llmq.jar"]
CMD ["--help"]
