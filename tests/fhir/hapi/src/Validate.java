import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Validates a FHIR R4 resource file with HAPI FHIR's instance validator, offline: the R4 core
 * definitions (hapi-fhir-validation-resources-r4), UCUM and the other code systems HAPI carries,
 * and Thecal's own code systems and extensions (the definitions folder). No terminology server:
 * LOINC and SNOMED CT codes are not looked up.
 *
 * <p>Usage: {@code java Validate DEFINITIONS_DIR FILE}. Prints every message once with how many
 * times it came (locations with list indexes folded), then {@code errors: N, warnings: N,
 * information: N}; exits 1 if any error or fatal message.
 */
public final class Validate {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Validate DEFINITIONS_DIR FILE");
      System.exit(2);
    }
    FhirContext ctx = FhirContext.forR4();
    PrePopulatedValidationSupport own = new PrePopulatedValidationSupport(ctx);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(args[0]), "*.json")) {
      for (Path f : files) {
        IBaseResource r = ctx.newJsonParser().parseResource(Files.readString(f, StandardCharsets.UTF_8));
        own.addResource(r);
      }
    }
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx),
        own);
    FhirInstanceValidator instance = new FhirInstanceValidator((IValidationSupport) chain);
    // Thecal's extensions are all defined in the definitions folder: any other is an error.
    instance.setAnyExtensionsAllowed(false);
    FhirValidator validator = ctx.newValidator();
    validator.registerValidatorModule(instance);

    String text = Files.readString(Path.of(args[1]), StandardCharsets.UTF_8);
    ValidationResult result = validator.validateWithResult(text);
    Map<String, Integer> seen = new TreeMap<>();
    int errors = 0, warnings = 0, information = 0;
    for (SingleValidationMessage m : result.getMessages()) {
      ResultSeverityEnum s = m.getSeverity();
      if (s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL) errors++;
      else if (s == ResultSeverityEnum.WARNING) warnings++;
      else information++;
      String where = String.valueOf(m.getLocationString())
          .replaceAll("\\[[0-9]+\\]", "[*]")
          .replaceAll("-[0-9]+\\*/", "-N*/");
      String message = m.getMessage().replaceAll("entry\\[[0-9]+\\]", "entry[*]");
      seen.merge(s.name() + " " + where + ": " + message, 1, Integer::sum);
    }
    for (Map.Entry<String, Integer> e : seen.entrySet()) {
      System.out.println(e.getKey() + "  (x" + e.getValue() + ")");
    }
    System.out.println("errors: " + errors + ", warnings: " + warnings + ", information: " + information);
    System.exit(errors == 0 ? 0 : 1);
  }
}
