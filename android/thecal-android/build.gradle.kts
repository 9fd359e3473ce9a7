// The Android layer (not built here: no Android SDK or Google Maven): the BluetoothGatt transport,
// the foreground service and the notification scheduling, over the `thecal` library. The Maven
// build (pom.xml) compiles the same sources against Robolectric's android-all and runs the tests.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.thecal.android"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
    }

    testOptions.unitTests.isIncludeAndroidResources = true
    testOptions.unitTests.all { test ->
        val libDir = rootProject.file("../build/bindings/lib-dir")
        if (libDir.exists()) test.systemProperty("jna.library.path", libDir.readText().trim())
        test.workingDir = rootProject.file("..")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

// Library versions as in pom.xml.
dependencies {
    implementation(project(":thecal"))
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")

    testImplementation("net.java.dev.jna:jna:5.19.1")
    testImplementation("junit:junit:4.13.2")
    testImplementation("org.robolectric:robolectric:4.17")
}
