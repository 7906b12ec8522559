package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard page (GET /) in Debian's headless chromium, driven by Selenium, with the token check on. The test seeds
 * known events, opens the page, gives the token, changes the range, the buckets and zone, the grouping and a filter, and
 * after each change checks every number of the page's table against the API's answer to the same request and against
 * the {@link Oracle} over the seeded events; the filter choices against the ids of the events in the range. A
 * screenshot goes to target/dashboard.png. Any console error fails it (the one 401 of the first visit, before the token
 * is given, is the page asking for it, and is checked to be exactly that).
 *
 * <p>In the analytics test package for its {@link GeneratedEvents} and {@link Oracle}. Needs /usr/bin/chromium and
 * /usr/bin/chromedriver (Debian's chromium and chromium-driver; scripts/test.sh installs them when missing).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // raw rows answer (no rollup): the page is checked cell by cell against an oracle with exact percentiles; the rollup's
        // sketched percentiles are checked against the order statistics by RollupParityTest
        properties = {"budmetrics.clickhouse.database=dashboard_it", "budmetrics.web.auth.api-token=" + DashboardBrowserTest.TOKEN,
                "budmetrics.analytics.rollups=false"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {

    static final String TOKEN = "dashboard-test-token";
    static final Path CHROMIUM = Path.of(System.getProperty("budmetrics.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("budmetrics.chromedriver", "/usr/bin/chromedriver"));
    static final GeneratedEvents DATA = new GeneratedEvents(1404L, 1200, Instant.parse("2024-01-01T00:00:00Z"),
            Instant.parse("2024-02-01T00:00:00Z"));
    /** What the page asks for: every metric. */
    static final String[] METRICS = {"request_count", "success_request", "failure_request", "latency", "ttft", "throughput",
            "input_token", "output_token", "cache", "concurrent_requests", "queuing_time"};

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Oracle oracle = new Oracle(DATA.events);
    private Path userData;
    private Path downloads;
    private ChromeDriver driver;

    @BeforeAll
    void start() throws Exception {
        assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium chromium-driver; scripts/test.sh does)").isExecutable();
        assertThat(CHROMEDRIVER).as("Debian's chromium-driver").isExecutable();
        DATA.replaceAll(dataSource);

        userData = Files.createTempDirectory("budmetrics-chromium-");
        downloads = Files.createDirectories(userData.resolve("downloads"));
        ChromeOptions options = new ChromeOptions();
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,960", "--user-data-dir=" + userData);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    void stop() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (userData != null) {
            try (Stream<Path> files = Files.walk(userData)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void showsTheNumbersOfTheApiAndTheOracleAsTheViewChanges() throws Exception {
        String from = "2024-01-03T00:00:00Z";
        String to = "2024-01-12T00:00:00Z";
        driver.get(base() + "/#preset=custom&from=" + from + "&to=" + to + "&unit=day&tz=UTC");

        // 1. no token yet: the page asks for it, visibly; its only console error is that 401
        waitForRender(0);
        assertThat(body().getAttribute("data-state")).isEqualTo("error");
        assertThat(message()).contains("API token").contains("401");
        List<LogEntry> first = severe();
        assertThat(first).isNotEmpty().allSatisfy(entry -> assertThat(entry.getMessage()).contains("401"));

        // 2. the token given: the range of the URL, days in UTC
        driver.findElement(By.id("token")).sendKeys(TOKEN);
        int renders = renders();
        driver.findElement(By.id("token-save")).click();
        waitForRender(renders);
        assertThat(message()).isEmpty();
        checkTable(Ask.of(from, to, METRICS).unit("day"));
        assertThat(filterChoices()).as("filter choices: the models of the range").isEqualTo(idsInRange(from, to, "model"));

        // 3. another range, weeks cut in India time
        from = "2024-01-01T00:00:00Z";
        to = "2024-01-31T23:59:59Z";
        replace("from", from);
        replace("to", to);
        renders = renders();
        new Select(driver.findElement(By.id("unit"))).selectByValue("week");
        waitForRender(renders);
        replace("timezone", "Asia/Kolkata");
        renders = renders();
        driver.findElement(By.id("apply")).click();
        waitForRender(renders);
        checkTable(Ask.of(from, to, METRICS).unit("week").timezone("Asia/Kolkata"));

        // 4. grouped per model, top 3, days again
        replace("topk", "3");
        renders = renders();
        new Select(driver.findElement(By.id("unit"))).selectByValue("day");
        waitForRender(renders);
        replace("timezone", "UTC");
        renders = renders();
        new Select(driver.findElement(By.id("group"))).selectByValue("model");
        waitForRender(renders);
        Ask grouped = Ask.of(from, to, METRICS).unit("day").groupBy("model").topk(3);
        checkTable(grouped);
        assertThat(driver.findElements(By.cssSelector("#charts .uplot"))).as("the eight charts drawn").hasSize(8);
        Path screenshot = Path.of("target", "dashboard.png");
        Files.createDirectories(screenshot.getParent());
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);

        // 5. filtered to one endpoint, chosen among the endpoints of the range
        renders = renders();
        new Select(driver.findElement(By.id("filter-dimension"))).selectByValue("endpoint");
        waitForRender(renders);
        List<String> endpoints = filterChoices();
        assertThat(endpoints).isEqualTo(idsInRange(from, to, "endpoint"));
        String endpoint = DATA.endpoints.get(2).toString();
        assertThat(endpoints).contains(endpoint);
        renders = renders();
        new Select(driver.findElement(By.id("filter-id"))).selectByValue(endpoint);
        waitForRender(renders);
        Ask filtered = Ask.of(from, to, METRICS).unit("day").groupBy("model").filter("endpoint", UUID.fromString(endpoint));
        checkTable(filtered);

        // the download button saves the CSV of the view: the API's CSV of the same request, byte for byte
        driver.findElement(By.id("download-csv")).click();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> csvDownloads().size() == 1);
        Path file = csvDownloads().get(0);
        assertThat(file.getFileName().toString()).isEqualTo("analytics_20240101T000000Z_20240131T235959Z_day.csv");
        HttpResponse<String> csv = http.send(HttpRequest.newBuilder(URI.create(base() + "/observability/analytics?format=csv"))
                .header("Content-Type", "application/json").header("dapr-api-token", TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(filtered.toJson(mapper))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(Files.readString(file)).isEqualTo(csv.body()).startsWith("time_period,model_id,request_count.count,");

        // 6. the state is in the URL: a reload (or the link shared) shows the same view
        assertThat(driver.getCurrentUrl()).contains("group=model").contains("fid=" + endpoint).doesNotContain(TOKEN);
        renders = 0;
        driver.navigate().refresh();
        waitForRender(renders);
        checkTable(filtered);

        // 7. an empty range says so
        replace("from", "2020-01-01T00:00:00Z");
        replace("to", "2020-01-05T00:00:00Z");
        renders = renders();
        driver.findElement(By.id("apply")).click();
        waitForRender(renders);
        assertThat(body().getAttribute("data-state")).isEqualTo("empty");
        assertThat(message()).contains("No data in this range");
        assertThat(driver.findElements(By.cssSelector("#table tbody tr"))).isEmpty();

        // 8. a bad range is the API's 422, shown
        replace("from", "2020-01-05T00:00:00Z");
        replace("to", "2020-01-01T00:00:00Z");
        renders = renders();
        driver.findElement(By.id("apply")).click();
        waitForRender(renders);
        assertThat(body().getAttribute("data-state")).isEqualTo("error");
        assertThat(message()).contains("422").contains("to_date");
        List<LogEntry> later = severe().stream().filter(entry -> !entry.getMessage().contains(" 422 ")).toList();
        assertThat(later).as("console errors after the token was given (besides the 422 of step 8)").isEmpty();
    }

    /** Every row and cell of the page's table against the API's answer (as the page rounds) and the oracle. */
    private void checkTable(Ask ask) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base() + "/observability/analytics"))
                .header("Content-Type", "application/json").header("dapr-api-token", TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(ask.toJson(mapper))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode api = mapper.readTree(answer.body());
        JsonNode expected = oracle.expected(ask);
        assertThat(JsonComparison.differences(expected, api)).as("the API agrees with the oracle").isEmpty();

        List<Map<String, String>> shown = tableRows();
        List<Map<String, JsonNode>> rows = new ArrayList<>(AnswerTable.rows(api, ask).stream().filter(row -> row.size() > 1).toList());
        List<Map<String, JsonNode>> oracleRows = AnswerTable.rows(expected, ask).stream().filter(row -> row.size() > 1).toList();
        assertThat(rows).as("the case has data").isNotEmpty();
        assertThat(shown).hasSameSizeAs(rows);
        String key = ask.groupBy() == null ? null : ask.groupBy().get(0) + "_id";
        for (int r = 0; r < rows.size(); r++) {
            Map<String, String> cells = shown.get(r);
            assertThat(cells.get("time")).isEqualTo(rows.get(r).get("time_period").asText());
            assertThat(cells.get("series")).isEqualTo(key == null ? "all" : rows.get(r).get(key).asText());
            int columns = 0;
            for (Map.Entry<String, String> cell : cells.entrySet()) {
                if (cell.getKey().equals("time") || cell.getKey().equals("series")) {
                    continue;
                }
                columns++;
                String where = String.format("%s row %d (%s %s) %s", ask, r, cells.get("time"), cells.get("series"), cell.getKey());
                assertThat(sameAsShown(cell.getValue(), rows.get(r).get(cell.getKey()), 1e-9)).as(where + " vs API: " + cell.getValue()).isTrue();
                assertThat(sameAsShown(cell.getValue(), oracleRows.get(r).get(cell.getKey()), 0.0100001)).as(where + " vs oracle").isTrue();
            }
            assertThat(columns).as("16 metric columns and the 4 delta columns").isEqualTo(20);
        }
    }

    /** The page shows integers as they are, other numbers rounded to 2 decimals, null as an en dash. */
    private static boolean sameAsShown(String text, JsonNode value, double tolerance) {
        if (value == null || value.isNull()) {
            return text.equals("–");
        }
        double rounded = Math.round(value.asDouble() * 100) / 100.0;
        return !text.equals("–") && Math.abs(Double.parseDouble(text) - rounded) <= tolerance;
    }

    private List<Map<String, String>> tableRows() {
        Object rows = driver.executeScript("return Array.from(document.querySelectorAll('#table tbody tr')).map(tr => {"
                + " const cells = {time: tr.dataset.time, series: tr.dataset.series};"
                + " tr.querySelectorAll('td[data-column]').forEach(td => cells[td.dataset.column] = td.textContent);"
                + " return cells; });");
        List<Map<String, String>> out = new ArrayList<>();
        for (Object row : (List<?>) rows) {
            Map<String, String> cells = new HashMap<>();
            ((Map<?, ?>) row).forEach((k, v) -> cells.put(String.valueOf(k), String.valueOf(v)));
            out.add(cells);
        }
        return out;
    }

    private List<String> idsInRange(String from, String to, String dimension) {
        long start = Instant.parse(from).toEpochMilli();
        long end = Instant.parse(to).toEpochMilli();
        TreeSet<String> ids = new TreeSet<>();
        for (GeneratedEvents.Event e : DATA.events) {
            if (e.arrivalMs() >= start && e.arrivalMs() <= end) {
                ids.add((dimension.equals("model") ? e.modelId() : dimension.equals("project") ? e.projectId() : e.endpointId()).toString());
            }
        }
        return List.copyOf(ids);
    }

    /** Finished downloads (Chrome writes a .crdownload first and renames it when done). */
    private List<Path> csvDownloads() {
        try (Stream<Path> files = Files.list(downloads)) {
            return files.filter(f -> f.toString().endsWith(".csv")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<String> filterChoices() {
        return new Select(driver.findElement(By.id("filter-id"))).getOptions().stream().map(o -> o.getAttribute("value"))
                .filter(value -> !value.isEmpty()).toList();
    }

    private void replace(String id, String text) {
        WebElement input = driver.findElement(By.id(id));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        input.sendKeys(text);
        assertThat(input.getAttribute("value")).isEqualTo(text);
    }

    private WebElement body() {
        return driver.findElement(By.tagName("body"));
    }

    private int renders() {
        return Integer.parseInt(body().getAttribute("data-renders"));
    }

    private void waitForRender(int before) {
        new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> renders() > before
                && !"loading".equals(body().getAttribute("data-state")));
    }

    private String message() {
        WebElement box = driver.findElement(By.id("message"));
        return box.isDisplayed() ? box.getText() : "";
    }

    private List<LogEntry> severe() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .toList();
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }
}
