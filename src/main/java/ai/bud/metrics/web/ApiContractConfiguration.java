package ai.bud.metrics.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.HttpEndpointModel;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The REST contract (openapi.yaml) as a bean for the routes, and the filter that keeps its paths' edge. */
@Configuration
class ApiContractConfiguration {

    @Bean("apiContract")
    ApiContract apiContract(ObjectMapper mapper) {
        return ApiContract.load(mapper);
    }

    @Bean
    FilterRegistrationBean<ContractPathFilter> contractPathFilter(ApiContract contract, ObjectProvider<CamelContext> camel,
                                                                   ObjectMapper mapper) {
        FilterRegistrationBean<ContractPathFilter> registration = new FilterRegistrationBean<>(new ContractPathFilter(contract,
                path -> servedByAnotherRoute(camel.getIfAvailable(), contract, path), new EnvelopeWriter(mapper)));
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.CONTRACT_PATHS);
        registration.setName("contractPaths");
        return registration;
    }

    /** Whether a platform-http route outside the contract (a route file's own {@code from: platform-http:…}) serves {@code path}. */
    static boolean servedByAnotherRoute(CamelContext camel, ApiContract contract, String path) {
        if (camel == null || camel.hasComponent("platform-http") == null) {
            return false;
        }
        for (HttpEndpointModel model : camel.getComponent("platform-http", PlatformHttpComponent.class).getHttpEndpoints()) {
            String uri = model.getUri();
            if (contract.operations().containsKey(uri)) {
                continue;
            }
            boolean prefix = model.getConsumer() != null && model.getConsumer().getEndpoint() instanceof PlatformHttpEndpoint endpoint
                    && endpoint.isMatchOnUriPrefix();
            if (path.equals(uri) || prefix && path.startsWith(uri.endsWith("/") ? uri : uri + "/")) {
                return true;
            }
        }
        return false;
    }
}
