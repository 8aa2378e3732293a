package io.streamcast.docker;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;

/** The facts of pom.xml the container files must agree with. */
record Pom(String artifactId, String version, String flinkVersion, String kafkaVersion, String javaRelease,
           String thinClassifier, String clusterLibDir) {

    static Pom read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        Document d = f.newDocumentBuilder().parse(pom.toFile());
        XPath x = XPathFactory.newInstance().newXPath();
        String dir = x.evaluate("//execution[id='cluster-lib']/configuration/outputDirectory", d)
                .replace("${project.build.directory}", "target");
        return new Pom(x.evaluate("/project/artifactId", d), x.evaluate("/project/version", d),
                x.evaluate("/project/properties/flink.version", d), x.evaluate("/project/properties/kafka.version", d),
                x.evaluate("/project/properties/maven.compiler.release", d),
                x.evaluate("//plugin[artifactId='maven-shade-plugin']//execution[id='job-thin']//shadedClassifierName", d), dir);
    }

    /** The job jar without ND4J 'mvn package' writes, for a cluster with the cluster-lib jars in lib/. */
    String thinJobJar() {
        return "target/" + artifactId + "-" + version + "-" + thinClassifier + ".jar";
    }
}
