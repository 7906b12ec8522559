package ai.bud.metrics.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
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
    FilterRegistrationBean<ContractPathFilter> contractPathFilter(ApiContract contract, ObjectMapper mapper) {
        FilterRegistrationBean<ContractPathFilter> registration = new FilterRegistrationBean<>(
                new ContractPathFilter(contract, new EnvelopeWriter(mapper)));
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.CONTRACT_PATHS);
        registration.setName("contractPaths");
        return registration;
    }
}
