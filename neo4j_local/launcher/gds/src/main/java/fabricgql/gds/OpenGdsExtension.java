package fabricgql.gds;

import java.util.Optional;

import org.neo4j.configuration.Config;
import org.neo4j.gds.LicensingBusinessFacade;
import org.neo4j.gds.OpenGdsLicensingServiceBuilder;
import org.neo4j.gds.SysInfoProcFacade;
import org.neo4j.gds.applications.modelcatalog.ModelRepository;
import org.neo4j.gds.applications.operations.FeatureTogglesRepository;
import org.neo4j.gds.core.model.OpenModelCatalog;
import org.neo4j.gds.core.write.NativeExportBuildersProvider;
import org.neo4j.gds.metrics.Metrics;
import org.neo4j.gds.procedures.ExporterBuildersProviderService;
import org.neo4j.gds.procedures.integration.DefaultExportLocation;
import org.neo4j.gds.procedures.integration.LogAccessor;
import org.neo4j.gds.procedures.integration.OpenGraphDataScienceExtensionBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.logging.internal.LogService;

/**
 * What GDS's unpublished `open-packaging` jar contributes: it registers the components that the
 * GDS procedures inject (GraphDataScienceProcedures, SysInfoProcFacade). Without it Neo4j refuses
 * to start ("not a known injectable component"). Settings follow the open edition: native writes
 * only, no metrics, models kept in memory and never stored.
 */
public final class OpenGdsExtension extends ExtensionFactory<OpenGdsExtension.Dependencies> {
    public OpenGdsExtension() {
        super("gds.open");
    }

    @Override
    public Lifecycle newInstance(ExtensionContext context, Dependencies dependencies) {
        var log = new LogAccessor().getLog(dependencies.logService(), getClass());
        Config config = dependencies.config();
        var licensingService = new OpenGdsLicensingServiceBuilder().build(config);
        var licensing = new LicensingBusinessFacade(licensingService);
        // gds.license.state needs this; upstream registers it in a second unpublished extension.
        dependencies.globalProcedures().registerComponent(
                SysInfoProcFacade.class, procContext -> new SysInfoProcFacade(licensing), true);
        ExporterBuildersProviderService exporters = (db, cfg) -> new NativeExportBuildersProvider();
        ModelRepository noModelStore = model -> {
            throw new UnsupportedOperationException("storing models needs GDS Enterprise");
        };
        return OpenGraphDataScienceExtensionBuilder.create(
                        log,
                        dependencies.globalProcedures(),
                        config,
                        exporters,
                        new DefaultExportLocation(log, config),
                        new FeatureTogglesRepository(),
                        Metrics.DISABLED,
                        new OpenModelCatalog(),
                        noModelStore,
                        // No edition-specific wrappers around algorithms, catalog or models.
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty())
                .getLeft()
                .build();
    }

    public interface Dependencies {
        Config config();

        GlobalProcedures globalProcedures();

        LogService logService();
    }
}
